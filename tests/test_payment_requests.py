"""Payment requests: computed amounts, each step's guard, notifications, finance exports."""

import csv
import io
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from budgets.models import BudgetKind, BudgetStatus
from budgets.services import LineInput, budget_get_or_create, budget_replace_lines
from conventions.models import Status
from core.roles import AGENT, FINANCE
from documents.models import Document, DocumentStatus
from finance.exports import payment_requests_csv
from finance.models import PaymentKind, PaymentRequest
from finance.rules import BALANCE_DOCUMENTS, advance_cap_refusal, schedule
from finance.services import (
    payment_request_approve_as_finance,
    payment_request_approve_as_staff,
    payment_request_create,
    payment_request_mark_paid,
    payment_request_reject,
    recovery_issue_for_overpayment,
)
from tests.factories import ConventionFactory, MembershipFactory, balanced_forecast, staff_user


@pytest.fixture
def agent(db):
    return staff_user("agent1", AGENT)


@pytest.fixture
def finance(db):
    return staff_user("finance1", FINANCE)


@pytest.fixture
def active(db):
    """The seed's figures on an active agreement: 66 000 € granted, 954 123 € of forecast charges."""
    convention = ConventionFactory(amount_granted=Decimal("66000"), status=Status.ACTIVE)
    convention.funder.finance_email = "finances@metropole.invalid"
    convention.funder.save()
    convention.beneficiary.email = "tresorier@asso.invalid"
    convention.beneficiary.save()
    balanced_forecast(convention, charges=Decimal("954123"))
    return convention


@pytest.fixture
def member(active):
    return MembershipFactory(beneficiary=active.beneficiary).user


def request(convention, kind, user):
    return payment_request_create(convention=convention, kind=kind, user=user,
                                  certified_by_name="Camille DURAND", certified_by_quality="Présidente")


def pay(payment, agent, finance, order="M-1"):
    payment_request_approve_as_staff(request=payment, user=agent)
    payment_request_approve_as_finance(request=payment, user=finance, commitment_number="EJ-1",
                                       budget_imputation="65748")
    return payment_request_mark_paid(request=payment, user=finance, payment_order_number=order, paid_on=date(2025, 5, 2))


def justify(convention, actual_charges):
    for kind in BALANCE_DOCUMENTS:
        Document.objects.create(convention=convention, kind=kind, status=DocumentStatus.ACCEPTED)
    actual = budget_get_or_create(convention=convention, kind=BudgetKind.ACTUAL)
    budget_replace_lines(budget=actual, lines=[LineInput("641", actual_charges), LineInput("744", actual_charges)])
    actual.status = BudgetStatus.VALIDATED
    actual.save()


def test_the_advance_is_80_percent_computed_never_typed(active, member):
    payment = request(active, PaymentKind.ADVANCE, member)
    assert payment.amount == Decimal("52800.00")
    assert payment.certified_on == date.today() and payment.submitted_by == member


def test_advance_is_refused_before_the_agreement_is_active(active, member):
    active.status = Status.SIGNED
    active.save()
    with pytest.raises(ValidationError, match="signée par les deux parties et notifiée"):
        request(active, PaymentKind.ADVANCE, member)
    assert not PaymentRequest.objects.exists()


def test_a_second_advance_is_refused(active, member):
    request(active, PaymentKind.ADVANCE, member)
    with pytest.raises(ValidationError, match="existe déjà"):
        request(active, PaymentKind.ADVANCE, member)
    assert PaymentRequest.objects.count() == 1


def test_an_advance_above_the_cap_is_refused(active, member, monkeypatch):
    """The cap is a rule (finance.rules.advance_cap_refusal), checked by the create service."""
    assert advance_cap_refusal(active, Decimal("52800.00")) is None
    assert "ne peut dépasser 52\u202f800\u00a0€" in advance_cap_refusal(active, Decimal("52800.01"))
    monkeypatch.setattr("finance.rules.request_amount", lambda convention, kind: Decimal("52800.01"))
    with pytest.raises(ValidationError) as refusal:
        request(active, PaymentKind.ADVANCE, member)
    assert "ne peut dépasser 52\u202f800\u00a0€" in refusal.value.message_dict["amount"][0]
    assert not PaymentRequest.objects.exists()


def test_certification_is_required(active, member):
    with pytest.raises(ValidationError, match="certifiée"):
        payment_request_create(convention=active, kind=PaymentKind.ADVANCE, user=member,
                               certified_by_name="", certified_by_quality="")


def test_balance_is_refused_before_the_documents(active, member, agent, finance):
    pay(request(active, PaymentKind.ADVANCE, member), agent, finance)
    with pytest.raises(ValidationError, match="il manque : Comptes annuels, Rapport d'activité"):
        request(active, PaymentKind.BALANCE, member)


def test_balance_is_prorated_when_actual_expenses_are_lower(active, member, agent, finance):
    pay(request(active, PaymentKind.ADVANCE, member), agent, finance)
    justify(active, Decimal("900000"))
    balance = request(active, PaymentKind.BALANCE, member)
    assert balance.amount == Decimal("9456.12")  # 62 256,12 − 52 800
    pay(balance, agent, finance, order="M-2")
    money = schedule(active)
    assert money.paid - money.recovered == money.final == Decimal("62256.12")


def test_a_negative_balance_becomes_a_recovery(active, member, agent, finance):
    pay(request(active, PaymentKind.ADVANCE, member), agent, finance)
    justify(active, Decimal("500000"))  # final = 66 000 × 500 000 ÷ 954 123 = 34 586,74
    with pytest.raises(ValidationError, match="Aucun solde n'est dû"):
        request(active, PaymentKind.BALANCE, member)
    recovery = recovery_issue_for_overpayment(convention=active, user=agent)
    assert recovery.amount == Decimal("52800.00") - Decimal("34586.74")
    money = schedule(active)
    assert money.paid - money.recovered == money.final


def test_staff_cannot_mark_a_payment_as_paid(active, member, agent):
    payment = request(active, PaymentKind.ADVANCE, member)
    with pytest.raises(ValidationError, match="Seul le service des finances"):
        payment_request_mark_paid(request=payment, user=agent, payment_order_number="M-1", paid_on=date.today())


def test_finance_fields_are_required(active, member, agent, finance):
    payment = request(active, PaymentKind.ADVANCE, member)
    payment_request_approve_as_staff(request=payment, user=agent)
    with pytest.raises(ValidationError, match="engagement et l'imputation budgétaire sont obligatoires"):
        payment_request_approve_as_finance(request=payment, user=finance, commitment_number="", budget_imputation="")
    payment_request_approve_as_finance(request=payment, user=finance, commitment_number="EJ-9", budget_imputation="65748")
    with pytest.raises(ValidationError, match="numéro de mandat et la date"):
        payment_request_mark_paid(request=payment, user=finance, payment_order_number=" ", paid_on=None)
    payment.refresh_from_db()
    assert payment.status == "finance_approved"


def test_a_payment_cannot_be_recorded_twice(active, member, agent, finance):
    payment = pay(request(active, PaymentKind.ADVANCE, member), agent, finance)
    with pytest.raises(ValidationError, match="déjà été mandaté"):
        payment_request_mark_paid(request=payment, user=finance, payment_order_number="M-9", paid_on=date.today())
    payment.refresh_from_db()
    assert payment.payment_order_number == "M-1"


def test_rejection_needs_a_reason_and_frees_the_slot(active, member, agent):
    payment = request(active, PaymentKind.ADVANCE, member)
    with pytest.raises(ValidationError, match="motif du rejet est obligatoire"):
        payment_request_reject(request=payment, user=agent, reason="")
    payment_request_reject(request=payment, user=agent, reason="RIB illisible")
    assert request(active, PaymentKind.ADVANCE, member).amount == Decimal("52800.00")


def test_each_hand_over_sends_one_email_and_retries_send_none(active, member, agent, finance, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payment = request(active, PaymentKind.ADVANCE, member)
        payment_request_approve_as_staff(request=payment, user=agent)
    assert [m.to for m in mail.outbox] == [["finances@metropole.invalid"]]
    with django_capture_on_commit_callbacks(execute=True):
        payment_request_approve_as_finance(request=payment, user=finance, commitment_number="EJ-1", budget_imputation="65748")
        payment_request_mark_paid(request=payment, user=finance, payment_order_number="M-1", paid_on=date(2025, 5, 2))
        with pytest.raises(ValidationError):  # a retried click
            payment_request_mark_paid(request=payment, user=finance, payment_order_number="M-1", paid_on=date(2025, 5, 2))
    assert len(mail.outbox) == 2
    assert "tresorier@asso.invalid" in mail.outbox[1].to and member.email in mail.outbox[1].to
    assert "52\u202f800\u00a0€" in mail.outbox[1].body and "M-1" in mail.outbox[1].body
    assert active.notifications.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_advance_requests_produce_one(active, member):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writes anyway")
    barrier, outcomes = threading.Barrier(2), []

    def attempt():
        from django.db import connections

        barrier.wait()
        try:
            request(active, PaymentKind.ADVANCE, member)
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert PaymentRequest.objects.filter(convention=active).count() == 1


def test_finance_csv_has_one_row_per_request_with_finance_fields(active, member, agent, finance):
    pay(request(active, PaymentKind.ADVANCE, member), agent, finance)
    active.beneficiary.name = "=HYPERLINK(\"http://x\")"
    active.beneficiary.save()
    rows = list(csv.reader(io.StringIO(payment_requests_csv(PaymentRequest.objects.all()).lstrip("\ufeff")), delimiter=";"))
    header = rows[0]
    assert header[:3] == ["Référence convention", "Bénéficiaire", "SIRET"] and "Numéro de mandat" in header
    assert len(rows) == 2
    row = dict(zip(header, rows[1], strict=True))
    assert row["Montant"] == "52800,00" and row["Numéro de mandat"] == "M-1" and row["Numéro d'engagement"] == "EJ-1"
    assert row["Bénéficiaire"].startswith("'=")  # neutralised formula


def test_finance_list_pdf_and_csv_queries_do_not_grow(client, finance, member):
    client.force_login(finance)
    conventions = [ConventionFactory(amount_granted=Decimal("10000"), status=Status.ACTIVE) for _ in range(6)]
    for convention in conventions[:2]:
        request(convention, PaymentKind.ADVANCE, member if convention.beneficiary_id == 0 else staff_user("agent9", AGENT))

    def counts():
        ids = list(PaymentRequest.objects.values_list("pk", flat=True))
        url = reverse("admin:finance_paymentrequest_changelist")
        out = []
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url + "?a_traiter=instructeur").status_code == 200
        out.append(len(ctx.captured_queries))
        for action in ("download_pdf", "download_csv"):
            with CaptureQueriesContext(connection) as ctx:
                response = client.post(url, {"action": action, "_selected_action": ids})
                assert response.status_code == (302 if action == "download_pdf" else 200)  # the PDF: a job (jobs)
            out.append(len(ctx.captured_queries))
        return out, response

    before, _ = counts()
    for convention in conventions[2:]:
        request(convention, PaymentKind.ADVANCE, staff_user("agent9", AGENT))
    after, _ = counts()
    assert before == after


def test_payment_request_pdf_holds_what_finance_needs(client, finance, active, member, agent):
    payment = pay(request(active, PaymentKind.ADVANCE, member), agent, finance)
    client.force_login(finance)
    response = client.get(reverse("admin:finance_paymentrequest_pdf", args=[payment.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    b = active.beneficiary
    for expected in [b.name, b.siret, b.rna, active.reference, "52 800 €", "66 000 €", "13 200 €", "EJ-1", "M-1",
                     "Camille DURAND", "certifie la réalité", "CADRE RÉSERVÉ AUX FINANCES", "exercice 2025"]:
        assert expected in text.replace("\u202f", " ").replace("\u00a0", " "), expected
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
