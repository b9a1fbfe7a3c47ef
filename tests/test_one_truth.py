"""One source of truth: each test documents a contradiction between two places of the software.

Each of these tests fails on the code of the day it was written: a rule was enforced (or shown)
in one place and ignored in another. They assert what a user sees: a refusal and its French
reason, a page's text, a PDF's text, a status left unchanged. They go through HTTP and the
lifecycle services, so that they survive the code being moved between modules.
"""

import re
from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError

# --- Project code (one block, so that it can be rewritten when the code moves) -------------------
from budgets.models import Budget, BudgetKind, BudgetStatus
from budgets.services import budget_submit, budget_validate
from conventions.clauses.services import clause_template_install
from conventions.clauses.texts import DEFAULT_NAME, DEFAULT_SECTIONS
from conventions.models import Convention, DeliberationBody, Status
from conventions.services import convention_upsert
from core.roles import AGENT, FINANCE
from documents.models import Document, DocumentKind, DocumentStatus
from dossier.actions import (
    convention_activate,
    convention_close,
    convention_request_justification,
    convention_sign,
    convention_start_review,
    convention_submit,
    convention_vote,
)
from finance.models import PaymentKind, PaymentRequest, PaymentStatus, Recovery

# --- Test helpers ---------------------------------------------------------------------------------
from tests.admin_forms import change_form_data
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    ConventionFactory,
    FunderFactory,
    IndicatorReportFactory,
    MembershipFactory,
    PaymentRequestFactory,
    balanced_forecast,
    indicator_set_for_tests,
    staff_user,
)
from tests.pdf_helpers import clean_private_files, pdf_text  # noqa: F401 - clean_private_files is a fixture

NO_INDICATOR = "Aucun indicateur n'est demandé pour cette convention."
BALANCE_DOCUMENTS = [DocumentKind.ANNUAL_ACCOUNTS, DocumentKind.ACTIVITY_REPORT, DocumentKind.GENERAL_ASSEMBLY,
                     DocumentKind.FINANCIAL_REPORT]
SIGNATURE_DOCUMENTS = [DocumentKind.INSURANCE, DocumentKind.BANK_DETAILS, DocumentKind.STATUTES,
                       DocumentKind.BOARD_LIST, DocumentKind.REPUBLICAN_COMMITMENT]


@pytest.fixture
def agent(db):
    """An instructing agent; the funder publishes its clause template (needed to print and sign)."""
    clause_template_install(funder=FunderFactory(), sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)
    return staff_user("agent-une-verite", AGENT)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return unescape(response.content.decode())


def blocks(html: str, tag: str = "li") -> list[str]:
    """Return the text of each ``<tag>`` element of ``html`` (tags removed, spaces collapsed)."""
    found = re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", html, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", b)).strip() for b in found]


def member_client(client, convention):
    client.force_login(MembershipFactory(beneficiary=convention.beneficiary).user)
    return client


def deliver(convention, kind, status=DocumentStatus.ACCEPTED):
    """Record ``kind`` in ``status`` for ``convention``, whether the document was already expected or not."""
    Document.objects.update_or_create(convention=convention, kind=kind, defaults={"status": status})


def agreement_in_review(agent, *, objectives="Animer le réseau des adhérents.\nAccompagner 40 porteurs de projet.",
                        amount=Decimal("20000"), validate_budget=True) -> Convention:
    """An agreement in review with a complete deliberation and a balanced forecast (validated or draft)."""
    convention = ConventionFactory(
        amount_granted=amount, objectives=objectives, deliberation_body=DeliberationBody.BUREAU,
        deliberation_number="DEVT 012-3456/25/BM", deliberation_date=date(2025, 3, 20),
    )
    # The association deposits its budget (the agent then validates it: never their own deposit).
    depositor = MembershipFactory(beneficiary=convention.beneficiary).user
    budget = budget_submit(budget=balanced_forecast(convention, charges=Decimal("80000")), user=depositor)
    convention_submit(convention=convention, user=agent)
    convention = convention_start_review(convention=convention, user=agent)
    if validate_budget:
        budget_validate(budget=budget, user=agent)
    return convention


def record_signatures(convention) -> Convention:
    return convention_upsert(
        reference=convention.reference, beneficiary_signatory="Camille DURAND", beneficiary_signed_on=date(2025, 4, 2),
        funder_signatory="Martine VASSAL", funder_signed_on=date(2025, 4, 10),
    )


def signed_and_notified(agent) -> Convention:
    """An agreement voted, signed (its republican commitment contract received) and notified."""
    convention = convention_vote(convention=agreement_in_review(agent), user=agent)
    deliver(convention, DocumentKind.REPUBLICAN_COMMITMENT, DocumentStatus.RECEIVED)
    convention = convention_sign(convention=record_signatures(convention), user=agent)
    convention = convention_upsert(reference=convention.reference, notified_on=date(2025, 4, 14))
    return convention_activate(convention=convention, user=agent)


def validated_actual(convention, charges: Decimal, granted: Decimal) -> Budget:
    """The financial report (actual budget), balanced, validated by the agent."""
    actual = BudgetFactory(convention=convention, kind=BudgetKind.ACTUAL, status=BudgetStatus.VALIDATED)
    for code, label, amount, granting in [("641", "Salaires", charges, False),
                                          ("744", convention.funder.name, granted, True),
                                          ("756", "Cotisations", charges - granted, False)]:
        BudgetLineFactory(budget=actual, code=code, label=label, amount=amount, is_granting_funder=granting)
    return actual


def assert_status(convention, status):
    convention.refresh_from_db()
    assert convention.status == status


# 1 ----------------------------------------------------------------------------------------------

def test_vote_is_refused_without_the_objectives_of_article_1_and_the_admin_says_why(client, agent):
    convention = agreement_in_review(agent, objectives="")

    with pytest.raises(ValidationError, match="objectifs"):
        convention_vote(convention=convention, user=agent)
    assert_status(convention, Status.IN_REVIEW)

    client.force_login(agent)
    html = page(client, f"/admin/conventions/convention/{convention.pk}/change/")
    vote = [b for b in blocks(html) if "Enregistrer le vote" in b]
    assert vote and "objectifs" in vote[0], vote


# 2 ----------------------------------------------------------------------------------------------

def test_vote_is_refused_while_the_forecast_is_a_draft_or_the_amount_is_zero(agent):
    draft_budget = agreement_in_review(agent, validate_budget=False)
    assert draft_budget.budgets.get(kind=BudgetKind.FORECAST).status != BudgetStatus.VALIDATED
    with pytest.raises(ValidationError) as refused:
        convention_vote(convention=draft_budget, user=agent)
    message = " ".join(refused.value.messages)
    assert "budget prévisionnel" in message and "valid" in message, message
    assert_status(draft_budget, Status.IN_REVIEW)

    nothing_granted = agreement_in_review(agent, amount=Decimal("0"))
    with pytest.raises(ValidationError, match="montant"):
        convention_vote(convention=nothing_granted, user=agent)
    assert_status(nothing_granted, Status.IN_REVIEW)


# 3 ----------------------------------------------------------------------------------------------

def test_portal_home_does_not_ask_to_complete_the_forecast_of_a_signed_agreement(client, db):
    # As in the bug report: signed while its forecast budget was still a draft. It is annex I of
    # the signed agreement now, read-only: the home must not invite the member to complete it.
    convention = ConventionFactory(status=Status.SIGNED, beneficiary_signed_on=date(2025, 4, 2),
                                   funder_signed_on=date(2025, 4, 10))
    budget = balanced_forecast(convention, charges=Decimal("80000"))
    assert budget.status == BudgetStatus.DRAFT

    html = page(member_client(client, convention), "/portail/")
    invitations = [b for b in blocks(html) if "Budget prévisionnel" in b and "À compléter" in b]
    assert not invitations, invitations


# 4 ----------------------------------------------------------------------------------------------

def test_republican_commitment_is_asked_before_signature_and_signature_waits_for_it(client, agent,
                                                                                    clean_private_files):  # noqa: F811
    convention = convention_vote(convention=agreement_in_review(agent), user=agent)

    html = page(member_client(client, convention), f"/portail/conventions/{convention.pk}/justificatifs/")
    slots = [b for b in blocks(html, "main") if "Contrat d'engagement républicain" in b]
    assert slots, blocks(html, "main")

    convention = record_signatures(convention)
    with pytest.raises(ValidationError, match="engagement républicain"):
        convention_sign(convention=convention, user=agent)
    assert_status(convention, Status.VOTED)


# 5 ----------------------------------------------------------------------------------------------

def test_closing_is_refused_while_documents_are_expected_and_the_indicators_not_sent(agent, clean_private_files):  # noqa: F811
    indicator_set_for_tests(year=2025, is_default=True)
    convention = signed_and_notified(agent)  # the notification expects the documents and opens the report
    convention = convention_request_justification(convention=convention, user=agent)
    assert convention.indicator_reports.filter(year=2025).exists()
    assert convention.documents.filter(status=DocumentStatus.EXPECTED).exists()
    # Finance paid everything: the advance and a balance equal to the rest of the grant.
    validated_actual(convention, charges=Decimal("80000"), granted=Decimal("20000"))  # as forecast: final = granted
    PaymentRequestFactory(convention=convention, kind=PaymentKind.ADVANCE, amount=Decimal("16000"))
    PaymentRequestFactory(convention=convention, kind=PaymentKind.BALANCE, amount=Decimal("4000"))

    with pytest.raises(ValidationError) as refused:
        convention_close(convention=convention, user=agent)
    message = " ".join(refused.value.messages)
    assert ("justificatif" in message or "Attestation d'assurance" in message) and "indicateurs" in message, message
    assert_status(convention, Status.JUSTIFICATION)


# 6 ----------------------------------------------------------------------------------------------

def test_annex_v_of_the_signed_agreement_lists_the_indicators_the_portal_asks_for(client, agent,
                                                                                   clean_private_files):  # noqa: F811
    indicator_set_for_tests(year=2025, is_default=True)  # applies to this association for 2025
    convention = signed_and_notified(agent)
    member = member_client(client, convention)

    asked = page(member, f"/portail/indicateurs/conventions/{convention.pk}/2025/")
    assert "Personnes accompagnées" in asked  # the portal asks for this figure

    response = member.get(f"/portail/conventions/{convention.pk}/convention-signee.pdf")
    assert response.status_code == 200
    text = pdf_text(b"".join(response.streaming_content) if response.streaming else response.content)
    # Annexes with nothing to show are left out: the indicators are the second annex here.
    assert "Annexe II : Indicateurs à renseigner pour l'année 2025" in text
    assert NO_INDICATOR not in text
    assert "Personnes accompagnées" in text


# 7 ----------------------------------------------------------------------------------------------

def test_balance_request_pdf_says_nothing_remains_when_the_grant_was_prorated(client, db):
    # Granted 20 000 € on 80 000 € of forecast expenses; 72 000 € spent: the final grant is
    # 18 000 €. Advance paid 16 000 €; the balance is 2 000 €; after it, nothing remains.
    convention = ConventionFactory(status=Status.JUSTIFICATION, amount_granted=Decimal("20000"),
                                   beneficiary_signed_on=date(2025, 4, 2), funder_signed_on=date(2025, 4, 10),
                                   notified_on=date(2025, 4, 14))
    forecast = balanced_forecast(convention, charges=Decimal("80000"))
    Budget.objects.filter(pk=forecast.pk).update(status=BudgetStatus.VALIDATED)
    validated_actual(convention, charges=Decimal("72000"), granted=Decimal("18000"))
    for kind in SIGNATURE_DOCUMENTS + BALANCE_DOCUMENTS:
        deliver(convention, kind)
    IndicatorReportFactory(convention=convention, year=2025, status="validated")
    PaymentRequestFactory(convention=convention, kind=PaymentKind.ADVANCE, amount=Decimal("16000"))

    member = member_client(client, convention)
    url = f"/portail/conventions/{convention.pk}/versements/"
    member.post(url, {"kind": "balance", "certified_by_name": "Camille DURAND", "certified_by_quality": "Présidente",
                      "certify": "on", "confirm": "1"})
    balance = PaymentRequest.objects.get(convention=convention, kind=PaymentKind.BALANCE)
    assert balance.amount == Decimal("2000.00") and balance.status == PaymentStatus.SUBMITTED

    response = member.get(f"{url}{balance.pk}/pdf/")
    assert response.status_code == 200
    text = pdf_text(response.content)
    remaining = re.search(r"Reste à verser après cette demande\s*:?\s*(-?[\d ]+(?:,\d\d)?) ?€", text)
    assert remaining, text
    assert remaining.group(1).strip() == "0", remaining.group(0)


# 8 ----------------------------------------------------------------------------------------------

def test_portal_home_and_payments_page_agree_on_what_can_be_requested(client, db):
    # Signed, notified, justification open; the financial report is validated but the documents
    # of art. 6.2 are still expected: the payments page refuses the balance.
    convention = ConventionFactory(status=Status.JUSTIFICATION, amount_granted=Decimal("30000"),
                                   beneficiary_signed_on=date(2025, 4, 2), funder_signed_on=date(2025, 4, 10),
                                   notified_on=date(2025, 4, 14))
    forecast = balanced_forecast(convention, charges=Decimal("96000"))
    Budget.objects.filter(pk=forecast.pk).update(status=BudgetStatus.VALIDATED)
    validated_actual(convention, charges=Decimal("96000"), granted=Decimal("30000"))
    for kind in BALANCE_DOCUMENTS:
        deliver(convention, kind, DocumentStatus.EXPECTED)
    member = member_client(client, convention)

    payments = page(member, f"/portail/conventions/{convention.pk}/versements/")
    assert "Le solde suppose les justificatifs" in payments  # the payments page: not available
    home = page(member, "/portail/")
    balance_items = [b for b in blocks(home) if "Solde" in b]
    assert not [b for b in balance_items if "Peut être demandé" in b], balance_items

    # Signed and notified: the advance is not refused for want of signature or notification.
    assert "signée par les deux parties et notifiée" not in payments
    Convention.objects.filter(pk=convention.pk).update(status=Status.ACTIVE)
    PaymentRequestFactory(convention=convention, kind=PaymentKind.ADVANCE, amount=Decimal("24000"),
                          status=PaymentStatus.SUBMITTED)
    assert "signée par les deux parties et notifiée" not in page(member, f"/portail/conventions/{convention.pk}/versements/")


# 9 ----------------------------------------------------------------------------------------------

def test_admin_cannot_set_a_budget_status_or_a_recovery_amount_by_hand(client, agent):
    convention = ConventionFactory(status=Status.IN_REVIEW)
    budget = BudgetFactory(convention=convention, status=BudgetStatus.SUBMITTED)
    BudgetLineFactory(budget=budget, code="641", label="Salaires", amount=Decimal("1000"))
    BudgetLineFactory(budget=budget, code="756", label="Cotisations", amount=Decimal("10"))
    client.force_login(agent)
    url = f"/admin/budgets/budget/{budget.pk}/change/"
    client.post(url, change_form_data(client.get(url), status=BudgetStatus.VALIDATED))
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.SUBMITTED  # 1 000 € of charges, 10 € of produits: never validated

    terminated = ConventionFactory(status=Status.TERMINATED)
    recovery = Recovery.objects.create(convention=terminated, amount=Decimal("5000"), reason="Résiliation (art. 8)",
                                       issued_on=date(2025, 10, 1))
    client.force_login(staff_user("finances-une-verite", FINANCE))  # the role that may change a recovery
    url = f"/admin/finance/recovery/{recovery.pk}/change/"
    client.post(url, change_form_data(client.get(url), amount="1.00"))
    recovery.refresh_from_db()
    assert recovery.amount == Decimal("5000.00")
