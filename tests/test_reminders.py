"""Deadlines and reminders: expected documents, emails before and after each due date, never twice."""

import io
import smtplib
from datetime import date, timedelta
from decimal import Decimal as D
from unittest import mock

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from compliance.models import ReminderChannel, ReminderLog, ReminderStage
from compliance.reminders import association_recipients, reminder_stage, reminders_send
from conventions.models import Convention, Funder, Status
from documents.models import Document, DocumentKind, DocumentStatus
from documents.obligations import AFTER_FISCAL_YEAR, ON_SIGNATURE
from tests.factories import (
    BeneficiaryFactory,
    ConventionFactory,
    DocumentFactory,
    IndicatorReportFactory,
    MembershipFactory,
    UserFactory,
)

DUE = date(2026, 6, 30)


def run(day: date) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("send_reminders", "--date", day.isoformat(), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def signed_convention(**beneficiary):
    beneficiary = BeneficiaryFactory(email="contact@asso.invalid", **beneficiary)
    return ConventionFactory(
        beneficiary=beneficiary, status=Status.ACTIVE, fiscal_year=2025,
        beneficiary_signed_on=date(2025, 4, 2), funder_signed_on=date(2025, 4, 10),
        funder__email="subventions@metropole.invalid",
    )


def owe(convention, kind=DocumentKind.ANNUAL_ACCOUNTS, due_on=DUE):
    """Mark every document on signature as accepted, and owe one ``kind`` by ``due_on``."""
    for other in (*ON_SIGNATURE, *AFTER_FISCAL_YEAR):
        if other != kind:
            DocumentFactory(convention=convention, kind=other, status=DocumentStatus.ACCEPTED)
    return DocumentFactory(convention=convention, kind=kind, due_on=due_on)


@pytest.mark.parametrize(
    "today, stage",
    [
        (DUE - timedelta(days=31), None),
        (DUE - timedelta(days=30), ReminderStage.BEFORE_30),
        (DUE - timedelta(days=8), ReminderStage.BEFORE_30),
        (DUE - timedelta(days=7), ReminderStage.BEFORE_7),
        (DUE, ReminderStage.BEFORE_7),
        (DUE + timedelta(days=1), ReminderStage.OVERDUE),
    ],
)
def test_the_reminder_stage_around_each_limit(today, stage):
    assert reminder_stage(DUE, today) == stage


def test_running_twice_sends_one_email(db):
    convention = signed_convention()
    owe(convention)
    run(DUE - timedelta(days=30))
    run(DUE - timedelta(days=30))
    run(DUE - timedelta(days=20))
    assert len(mail.outbox) == 1
    assert ReminderLog.objects.filter(convention=convention).count() == 1


def test_each_stage_sends_its_own_reminder_once(db):
    convention = signed_convention()
    owe(convention)
    for day in (DUE - timedelta(days=30), DUE - timedelta(days=7), DUE - timedelta(days=3), DUE + timedelta(days=1),
                DUE + timedelta(days=40)):
        run(day)
    assert len(mail.outbox) == 3
    assert list(ReminderLog.objects.order_by("pk").values_list("stage", flat=True)) == [
        ReminderStage.BEFORE_30, ReminderStage.BEFORE_7, ReminderStage.OVERDUE,
    ]


def test_the_reminder_is_in_french_and_names_what_is_owed(db):
    convention = signed_convention()
    owe(convention)
    out, _err = run(DUE + timedelta(days=10))
    message = mail.outbox[0]
    assert message.subject == f"Rappel : pièces à fournir pour la convention {convention.reference}"
    assert "Comptes annuels — échéance dépassée depuis le 30 juin 2026 (10 jours de retard)" in message.body
    assert "&#x27;" not in message.body and "portail des associations" in message.body
    assert message.reply_to == ["subventions@metropole.invalid"]
    assert f"{convention.reference} — {convention.beneficiary.name} : 1 rappel(s) → contact@asso.invalid" in out


def test_the_association_and_its_active_members_receive_the_reminder(db):
    convention = signed_convention()
    beneficiary = convention.beneficiary
    MembershipFactory(beneficiary=beneficiary, user=UserFactory(email="tresoriere@asso.invalid"))
    MembershipFactory(beneficiary=beneficiary, user=UserFactory(email="CONTACT@asso.invalid"))
    MembershipFactory(beneficiary=beneficiary, user=UserFactory(email="parti@asso.invalid"), is_active=False)
    assert association_recipients(beneficiary) == ["contact@asso.invalid", "tresoriere@asso.invalid"]
    owe(convention)
    run(DUE - timedelta(days=7))
    assert mail.outbox[0].to == ["contact@asso.invalid", "tresoriere@asso.invalid"]


def test_an_association_without_email_is_reported_to_staff_once(db):
    convention = signed_convention()
    convention.beneficiary.email = ""
    convention.beneficiary.save()
    owe(convention)
    out, _err = run(DUE + timedelta(days=1))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["subventions@metropole.invalid"]
    assert message.subject == f"Association sans courriel : rappels non envoyés à {convention.beneficiary.name}"
    assert "n'a aucune adresse électronique" in message.body and "Comptes annuels" in message.body
    assert "Associations sans courriel, signalées au service : 1" in out
    assert ReminderLog.objects.get().channel == ReminderChannel.STAFF
    run(DUE + timedelta(days=2))
    assert len(mail.outbox) == 1


def test_a_reminder_with_no_recipient_at_all_is_listed_and_retried(db):
    convention = signed_convention()
    convention.beneficiary.email = ""
    convention.beneficiary.save()
    Funder.objects.filter(pk=convention.funder_id).update(email="")
    owe(convention)
    _out, err = run(DUE + timedelta(days=1))
    assert "Rappels sans aucun destinataire : 1" in err and convention.reference in err
    assert mail.outbox == [] and not ReminderLog.objects.exists()


def test_a_failed_sending_is_not_logged_and_is_retried(db):
    convention = signed_convention()
    owe(convention)
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=smtplib.SMTPException("serveur indisponible")):
        run_result = reminders_send(today=DUE + timedelta(days=1))
    assert run_result.errors and not ReminderLog.objects.exists()
    run(DUE + timedelta(days=2))
    assert len(mail.outbox) == 1 and ReminderLog.objects.count() == 1


def test_a_delivered_document_is_not_reminded(db):
    convention = signed_convention()
    document = owe(convention)
    document.status = DocumentStatus.RECEIVED
    document.save()
    run(DUE + timedelta(days=1))
    assert mail.outbox == []


def test_signed_agreements_get_their_expected_documents_with_due_dates(db):
    convention = signed_convention()
    run(date(2025, 4, 11))
    documents = {d.kind: d.due_on for d in Document.objects.filter(convention=convention)}
    assert documents[DocumentKind.INSURANCE] == date(2025, 4, 10)
    assert documents[DocumentKind.REPUBLICAN_COMMITMENT] == date(2025, 4, 10)
    assert documents[DocumentKind.FINANCIAL_REPORT] == date(2026, 6, 30)
    assert documents[DocumentKind.ACTIVITY_REPORT] == date(2026, 6, 30)
    assert DocumentKind.AUDITOR_REPORT not in documents  # 10 000 € of public subsidies
    count = Document.objects.count()
    run(date(2025, 4, 12))
    assert Document.objects.count() == count


def test_the_auditor_report_is_expected_when_an_auditor_is_required(db):
    convention = signed_convention()
    Convention.objects.filter(pk=convention.pk).update(amount_granted=D("153000"))
    run(date(2025, 4, 11))
    assert Document.objects.get(convention=convention, kind=DocumentKind.AUDITOR_REPORT).due_on == date(2026, 6, 30)


def test_draft_agreements_are_not_reminded(db):
    convention = ConventionFactory(status=Status.DRAFT, beneficiary__email="contact@asso.invalid")
    DocumentFactory(convention=convention, kind=DocumentKind.STATUTES, due_on=DUE)
    run(DUE + timedelta(days=1))
    assert mail.outbox == [] and Document.objects.count() == 1


def test_the_indicator_report_of_the_year_is_due_with_the_justification(db):
    convention = signed_convention()
    owe(convention, due_on=None)
    IndicatorReportFactory(convention=convention, year=2025)
    run(DUE - timedelta(days=7))
    assert "Rapport d'indicateurs 2025 — à fournir au plus tard le 30 juin 2026 (dans 7 jours)" in mail.outbox[0].body


def test_a_dry_run_sends_and_records_nothing(db):
    convention = signed_convention()
    owe(convention)
    out = io.StringIO()
    call_command("send_reminders", "--date", "2026-07-01", "--dry-run", stdout=out, stderr=io.StringIO())
    assert "[simulation]" in out.getvalue() and convention.reference in out.getvalue()
    assert mail.outbox == [] and not ReminderLog.objects.exists()


def test_a_bad_date_is_refused_in_french(db):
    with pytest.raises(CommandError, match="Date invalide « 31/12/2026 » : le format attendu est AAAA-MM-JJ."):
        call_command("send_reminders", "--date", "31/12/2026", stdout=io.StringIO())


def test_the_demo_reminders_go_out_once(demo):
    out, _err = run(date(2026, 11, 28))
    assert {tuple(m.to) for m in mail.outbox} == {
        ("contact@jardins-huveaune.invalid", "asso2@demo.invalid"), ("bureau@provence-images.invalid", "81234567800013@demo.invalid"),  # its member of the deliberation demo
        ("contact@reqe.invalid",),  # the multi-year agreement: its board list, due at signature, is late
    }
    assert "Pièces attendues créées : 14" in out
    sent = len(mail.outbox)
    out, _err = run(date(2026, 11, 28))
    assert len(mail.outbox) == sent and "Courriels envoyés aux associations : 0" in out
