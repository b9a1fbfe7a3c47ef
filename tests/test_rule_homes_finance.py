"""One home per finance rule, and every screen and PDF reads it.

- the amount still to pay after a request (``finance.rules.remaining_after_request``), on the
  prorated final grant: the payment request PDF, the portal's payments page, the finance list;
- the advance's refusal, worded per state (``finance.rules.advance_refusal``);
- the advance cap, checked by the create service (``finance.rules.advance_cap_refusal``);
- the payment request steps as data (``finance.steps.PAYMENT_STEPS``), read by the services and
  the admin's buttons;
- every PDF download through ``core.pdf.pdf_response``.
"""

import ast
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from conventions.models import Convention, Status
from core.pdf import pdf_filename
from core.roles import AGENT, FINANCE
from dossier.printing.freeze import convention_freeze_signed_pdf
from finance import rules
from finance.models import PaymentKind, PaymentRequest, PaymentStatus, Recovery
from finance.rules import advance_refusal, remaining_after_request, schedule
from finance.services import payment_request_take_step, recovery_issue_for_overpayment
from finance.steps import PAYMENT_STEPS, available_steps
from tests.admin_forms import change_form_data
from tests.factories import ConventionFactory, MembershipFactory, balanced_forecast, staff_user
from tests.pdf_helpers import clean_private_files, pdf_text  # noqa: F401
from tests.test_payment_requests import justify, pay, request

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def agent(db):
    return staff_user("agent1", AGENT)


@pytest.fixture
def finance(db):
    return staff_user("finance1", FINANCE)


@pytest.fixture
def prorated(db, agent, finance):
    """20 000 € granted on 80 000 € of forecast eligible expenses, 72 000 € spent: final 18 000 €.

    The advance (16 000 €, 80 %) is paid; the balance (2 000 €) is requested, not yet paid.
    """
    convention = ConventionFactory(amount_granted=Decimal("20000"), status=Status.ACTIVE, reference="AMP-2023-X")
    balanced_forecast(convention, charges=Decimal("80000"))
    member = MembershipFactory(beneficiary=convention.beneficiary).user
    pay(request(convention, PaymentKind.ADVANCE, member), agent, finance)
    justify(convention, Decimal("72000"))
    balance = request(convention, PaymentKind.BALANCE, member)
    return convention, member, balance


# --- 1. The amount still to pay after a request ------------------------------------------------


def test_the_remaining_amount_is_computed_on_the_prorated_final_grant(prorated):
    convention, _member, balance = prorated
    money = schedule(convention)
    assert (money.granted, money.final, money.paid) == (Decimal("20000.00"), Decimal("18000.00"), Decimal("16000.00"))
    assert balance.amount == Decimal("2000.00")
    assert remaining_after_request(balance) == Decimal("0.00")  # granted − paid − amount would say 2 000 €
    advance = convention.payment_requests.get(kind=PaymentKind.ADVANCE)
    assert remaining_after_request(advance) == Decimal("2000.00")


def test_a_rejected_request_leaves_the_remaining_amount_as_it_is(prorated, agent):
    convention, _member, balance = prorated
    payment_request_take_step(request=balance, step="reject", user=agent, reason="RIB illisible")
    balance.refresh_from_db()
    assert remaining_after_request(balance) == Decimal("2000.00")


def test_the_payment_pdf_prints_nothing_left_to_pay_after_the_prorated_balance(client, prorated):
    convention, member, balance = prorated
    client.force_login(member)
    response = client.get(reverse("portal_conventions:payment_pdf", args=[convention.pk, balance.pk]))
    text = pdf_text(response.content)
    assert "Reste à verser après cette demande 0 €" in text
    assert "Montant final après justification (art. 4.2) 18 000 €" in text
    assert "Déjà versé avant cette demande 16 000 €" in text


def test_the_portal_payments_page_shows_the_same_remaining_amount(client, prorated):
    convention, member, balance = prorated
    client.force_login(member)
    page = client.get(reverse("portal_conventions:payments", args=[convention.pk]))
    rows = {row["request"].kind: row["remaining_after"] for row in page.context["requests"]}
    assert rows == {PaymentKind.ADVANCE: Decimal("2000.00"), PaymentKind.BALANCE: Decimal("0.00")}
    assert "Reste à verser après cette demande" in page.content.decode()


@pytest.mark.parametrize("screen", ["pdf", "portal", "admin"])
def test_every_screen_reads_the_remaining_amount_from_its_rule(client, prorated, finance, monkeypatch, screen):
    convention, member, balance = prorated
    monkeypatch.setattr(rules, "remaining_after_request", lambda request, money=None: Decimal("123.45"))
    if screen == "pdf":
        client.force_login(finance)
        text = pdf_text(client.get(reverse("admin:finance_paymentrequest_pdf", args=[balance.pk])).content)
        assert "Reste à verser après cette demande 123,45 €" in text
    elif screen == "portal":
        client.force_login(member)
        page = client.get(reverse("portal_conventions:payments", args=[convention.pk])).content.decode()
        assert "123,45\u00a0€" in page
    else:
        monkeypatch.setattr("finance.admin.remaining_after_request", rules.remaining_after_request)
        client.force_login(finance)
        page = client.get(reverse("admin:finance_paymentrequest_changelist")).content.decode()
        assert "Reste à verser après cette demande" in page and "123,45\u00a0€" in page


def test_the_finance_list_shows_the_prorated_remaining_amount(client, prorated, finance):
    _convention, _member, balance = prorated
    client.force_login(finance)
    response = client.get(reverse("admin:finance_paymentrequest_changelist"))
    balance_row = next(row for row in response.context["cl"].result_list if row.pk == balance.pk)
    assert balance_row.schedule.final == Decimal("18000.00")
    assert '<td class="field-remaining_after_display">0\u00a0€</td>' in response.content.decode()


# --- 2. The advance's refusal, per state -------------------------------------------------------


@pytest.mark.parametrize("status, expected", [
    (Status.SIGNED, "signée par les deux parties et notifiée"),
    (Status.JUSTIFICATION, "La période de l'acompte est close"),
    (Status.CLOSED, "La convention est soldée"),
    (Status.TERMINATED, "La convention est résiliée"),
    (Status.CANCELLED, "La convention est annulée"),
])
def test_the_advance_refusal_gives_the_true_reason_of_the_state(db, status, expected):
    refusal = advance_refusal(ConventionFactory(status=status))
    assert expected in refusal
    if status != Status.SIGNED:
        assert "signée par les deux parties et notifiée" not in refusal


def test_an_active_agreement_may_request_its_advance(db):
    assert advance_refusal(ConventionFactory(status=Status.ACTIVE)) is None


def test_the_portal_says_the_advance_period_is_over_in_justification(client, db):
    convention = ConventionFactory(status=Status.JUSTIFICATION)
    balanced_forecast(convention)
    member = MembershipFactory(beneficiary=convention.beneficiary).user
    client.force_login(member)
    page = client.get(reverse("portal_conventions:payments", args=[convention.pk])).content.decode()
    assert "La période de l&#x27;acompte est close" in page and "seul le solde peut désormais être demandé" in page
    assert "signée par les deux parties et notifiée" not in page


def test_the_portal_shows_the_advance_refusal_of_the_rule(client, db, monkeypatch):
    convention = ConventionFactory(status=Status.ACTIVE)
    balanced_forecast(convention)
    client.force_login(MembershipFactory(beneficiary=convention.beneficiary).user)
    monkeypatch.setattr(rules, "advance_refusal", lambda convention: "Refus sentinelle 42")
    page = client.get(reverse("portal_conventions:payments", args=[convention.pk])).content.decode()
    assert "Refus sentinelle 42" in page


# --- 4. The models import no rule ---------------------------------------------------------------


def test_finance_models_import_no_rule():
    tree = ast.parse((ROOT / "finance" / "models.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not any(name and name.startswith("finance.rules") for name in imported)


# --- 3. The steps as data -----------------------------------------------------------------------


def test_the_pipeline_is_data_read_by_the_entry_point(prorated, agent, finance):
    _convention, _member, balance = prorated
    assert [(s.name, sorted(s.sources), s.target) for s in PAYMENT_STEPS.values()] == [
        ("approve_as_staff", ["submitted"], "staff_approved"),
        ("approve_as_finance", ["staff_approved"], "finance_approved"),
        ("mark_paid", ["finance_approved"], "paid"),
        ("reject", ["finance_approved", "staff_approved", "submitted"], "rejected"),
    ]
    assert [s.name for s in available_steps(agent, balance)] == ["approve_as_staff", "reject"]
    assert [s.name for s in available_steps(finance, balance)] == ["reject"]
    payment_request_take_step(request=balance, step="approve_as_staff", user=agent)
    balance.refresh_from_db()
    assert balance.status == PaymentStatus.STAFF_APPROVED
    assert balance.history.first().history_change_reason == "Validée par le service instructeur"
    assert balance.history.first().history_user == agent


def test_the_admin_buttons_are_the_steps_the_pipeline_allows(client, prorated, agent, monkeypatch):
    _convention, _member, balance = prorated
    client.force_login(agent)
    url = reverse("admin:finance_paymentrequest_change", args=[balance.pk])
    assert [label for label, _url in client.get(url).context["payment_steps"]] == [
        "Valider (service instructeur)", "Rejeter la demande"]
    monkeypatch.setitem(PAYMENT_STEPS, "reject", PAYMENT_STEPS["reject"].__class__(
        **{**PAYMENT_STEPS["reject"].__dict__, "sources": frozenset()}))
    assert [label for label, _url in client.get(url).context["payment_steps"]] == ["Valider (service instructeur)"]


# --- 7. Every PDF through one helper ------------------------------------------------------------


def test_pdf_file_names_are_clean_ascii():
    assert pdf_filename("demande-de-versement", "solde", "AMP-2023-X") == "demande-de-versement-solde-AMP-2023-X.pdf"
    assert pdf_filename("Avis de reversement", "AMP 2023 / é") == "Avis-de-reversement-AMP-2023-e.pdf"


def assert_safe_pdf(response, filename):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives  # the admin adds its own never-cache directives
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert filename.isascii() and " " not in filename


def test_the_payment_pdfs_answer_with_the_safe_headers(client, prorated, finance):
    convention, member, balance = prorated
    client.force_login(member)
    assert_safe_pdf(client.get(reverse("portal_conventions:payment_pdf", args=[convention.pk, balance.pk])),
                    "demande-de-versement-solde-AMP-2023-X.pdf")
    client.force_login(finance)
    assert_safe_pdf(client.get(reverse("admin:finance_paymentrequest_pdf", args=[balance.pk])),
                    "demande-de-versement-solde-AMP-2023-X.pdf")
    ids = list(PaymentRequest.objects.values_list("pk", flat=True))
    job_page = client.post(reverse("admin:finance_paymentrequest_changelist"),
                           {"action": "download_pdf", "_selected_action": ids})  # made by a job, then downloaded
    assert_safe_pdf(client.get(job_page.url + "fichier/"), "demandes-de-versement.pdf")


def test_the_recovery_notice_answers_with_the_safe_headers(client, db, agent, finance):
    convention = ConventionFactory(amount_granted=Decimal("20000"), status=Status.ACTIVE, reference="AMP-2023-Y")
    balanced_forecast(convention, charges=Decimal("80000"))
    member = MembershipFactory(beneficiary=convention.beneficiary).user
    pay(request(convention, PaymentKind.ADVANCE, member), agent, finance)
    justify(convention, Decimal("40000"))
    recovery = recovery_issue_for_overpayment(convention=convention, user=agent)
    assert recovery.amount == Decimal("6000.00")
    client.force_login(finance)
    assert_safe_pdf(client.get(reverse("admin:finance_recovery_notice", args=[recovery.pk])),
                    "avis-de-reversement-AMP-2023-Y.pdf")


@pytest.mark.usefixtures("clean_private_files")
def test_the_signed_agreement_pdf_answers_with_the_safe_headers(client, demo):
    convention = Convention.objects.get(reference="AMP-2025-ENV-JPH")
    convention_freeze_signed_pdf(convention=convention, user=None)
    client.login(username="asso2", password="demo")
    assert_safe_pdf(client.get(reverse("portal_conventions:signed_pdf", args=[convention.pk])),
                    "convention-AMP-2025-ENV-JPH-signee.pdf")


# --- 5. Recoveries only through their services --------------------------------------------------


def test_a_posted_recovery_form_changes_only_the_revenue_order(client, db, agent, finance):
    convention = ConventionFactory(amount_granted=Decimal("20000"), status=Status.ACTIVE)
    balanced_forecast(convention, charges=Decimal("80000"))
    member = MembershipFactory(beneficiary=convention.beneficiary).user
    pay(request(convention, PaymentKind.ADVANCE, member), agent, finance)
    justify(convention, Decimal("40000"))
    recovery = recovery_issue_for_overpayment(convention=convention, user=agent)
    client.force_login(finance)
    url = reverse("admin:finance_recovery_change", args=[recovery.pk])
    page = client.get(url)
    assert set(page.context["adminform"].form.fields) == {"revenue_order_number", "recovered_on"}
    other = ConventionFactory()
    data = change_form_data(page, amount="1", reason="Saisi à la main", issued_on="01/01/2020",
                            convention=str(other.pk), revenue_order_number="T-2025-7", recovered_on="03/06/2025")
    assert client.post(url, data).status_code == 302
    recovery.refresh_from_db()
    assert (recovery.amount, recovery.convention_id, recovery.issued_on) == (Decimal("6000.00"), convention.pk, date.today())
    assert recovery.reason.startswith("Trop-perçu")
    assert (recovery.revenue_order_number, recovery.recovered_on) == ("T-2025-7", date(2025, 6, 3))
    assert recovery.history.first().history_user == finance
    assert client.get(reverse("admin:finance_recovery_add")).status_code == 403
    assert Recovery.objects.count() == 1
