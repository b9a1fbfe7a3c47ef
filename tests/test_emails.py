"""Every plain-text email the product sends: as typed (never HTML-escaped), absolute links to the
page concerned, in French; and the emails of the documents (requested, accepted, rejected).

Each email is triggered through the service that sends it, for the association
« L'Atelier <Arts> & Cie », with reasons and comments holding « l'équilibre ». A guard test makes
sure that every email template in the code base is triggered here: a new email without its case
here fails the suite.
"""

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from beneficiaries.notify import digest_send
from beneficiaries.services import invitation_create
from budgets.models import BudgetStatus
from budgets.services import budget_return, budget_submit
from campaigns.services import application_request_changes
from compliance.jobs import scdl_csv_start
from compliance.reminders import reminders_send
from conventions.models import Status
from core.roles import AGENT, FINANCE
from documents.models import Document, DocumentKind, DocumentStatus
from documents.services import document_accept, document_reject, document_request, document_upload
from documents.vault_services import vault_paper_accept, vault_paper_reject, vault_paper_upload
from dossier.actions import convention_submit
from finance.models import PaymentKind
from finance.services import (
    payment_request_approve_as_finance,
    payment_request_approve_as_staff,
    payment_request_create,
    payment_request_mark_paid,
)
from messaging.models import Side
from messaging.services import message_post
from notices.models import Frequency
from notices.services import notice_preference_set
from registration.services import AssociationInput, PersonInput, registration_create
from tests.factories import (
    BeneficiaryFactory,
    ConventionFactory,
    MembershipFactory,
    balanced_forecast,
    luhn_siret,
    staff_user,
)
from tests.samples import pdf_bytes, upload
from tests.test_campaign_services import submitted
from tests.test_reminders import owe

pytestmark = pytest.mark.django_db

NAME = "L'Atelier <Arts> & Cie"
REASON = "Le budget ne tient pas l'équilibre : « charges > produits » & il manque l'attestation."
ESCAPES = ("&#x27;", "&#39;", "&amp;", "&lt;", "&gt;", "&quot;")
ROOT = Path(settings.BASE_DIR)
LINK = re.compile(r"(?:https?://|/)\S+")


def email_templates() -> set[str]:
    """Every email template of the code base, as ``app/…/name`` without ``_subject``/``_body``/``.txt``."""
    found = set()
    for path in ROOT.glob("*/templates/**/*.txt"):
        name = path.relative_to(ROOT / path.relative_to(ROOT).parts[0] / "templates").as_posix()
        if "email" in name:
            found.add(re.sub(r"_(subject|body)\.txt$|\.txt$", "", name))
    return found


def check_plain_text(message, *, path: str, name: str = NAME) -> None:
    """The message reads as typed, is French, and its links are absolute and go to ``path``."""
    for part in (message.subject, message.body):
        assert not any(escape in part for escape in ESCAPES), part
    if name:
        assert name in message.subject + message.body
    assert "Bonjour" in message.body
    links = LINK.findall(message.body)
    assert links, message.body
    for link in links:
        assert link.startswith(("http://", "https://")), link
    # ``path`` is the page's path (with its query), or ends with « * » for a one-time token's prefix
    targets = [urlsplit(link)._replace(scheme="", netloc="").geturl() for link in links]
    if path.endswith("*"):
        assert any(target.startswith(path[:-1]) for target in targets), (path, links)
    else:
        assert path in targets, (path, links)
    assert "\n" not in message.subject


@pytest.fixture
def agent():
    return staff_user("agent1", AGENT)


@pytest.fixture
def convention():
    beneficiary = BeneficiaryFactory(name=NAME, email="contact@atelier.invalid")
    convention = ConventionFactory(beneficiary=beneficiary, amount_granted=Decimal("20000"),
                                   funder__email="instructeurs@metropole.invalid")
    return convention


@pytest.fixture
def member(convention):
    return MembershipFactory(beneficiary=convention.beneficiary, user__email="tresoriere@atelier.invalid").user


def received(convention, member, kind=DocumentKind.INSURANCE):
    document = Document.objects.create(convention=convention, kind=kind, status=DocumentStatus.EXPECTED)
    return document_upload(document=document, uploaded=upload("attestation.pdf", pdf_bytes()), by=member)


def documents_path(convention) -> str:
    return reverse("portal_conventions:documents", args=[convention.pk])


# --- Every email, triggered through its service ------------------------------------------------------


def send_budget_returned(convention, member, agent):
    budget = balanced_forecast(convention)
    budget.status = BudgetStatus.SUBMITTED
    budget.save()
    budget_return(budget=budget, user=agent, comment=REASON)
    return reverse("portal_budgets:forecast", args=[convention.pk])


def send_convention_submitted(convention, member, agent):
    budget_submit(budget=balanced_forecast(convention), user=member)
    mail.outbox.clear()
    convention_submit(convention=convention, user=member)
    return reverse("admin:conventions_convention_change", args=[convention.pk])


def _paid(convention, member, agent, *, up_to):
    convention.status = Status.ACTIVE
    convention.save()
    convention.funder.finance_email = "finances@metropole.invalid"
    convention.funder.save()
    payment = payment_request_create(convention=convention, kind=PaymentKind.ADVANCE, user=member,
                                     certified_by_name="Camille DURAND", certified_by_quality="Présidente")
    payment_request_approve_as_staff(request=payment, user=agent)
    if up_to == "staff":
        return payment
    finance = staff_user("finance1", FINANCE)
    payment_request_approve_as_finance(request=payment, user=finance, commitment_number="EJ-1",
                                       budget_imputation="65748")
    return payment_request_mark_paid(request=payment, user=finance, payment_order_number="M-1",
                                     paid_on=date(2025, 5, 2))


def send_payment_staff_approved(convention, member, agent):
    balanced_forecast(convention)
    payment = _paid(convention, member, agent, up_to="staff")
    return reverse("admin:finance_paymentrequest_change", args=[payment.pk])


def send_payment_paid(convention, member, agent):
    balanced_forecast(convention)
    _paid(convention, member, agent, up_to="paid")
    mail.outbox[:] = [m for m in mail.outbox if "mandaté" in m.subject]
    return reverse("portal_conventions:payments", args=[convention.pk])


def send_document_requested(convention, member, agent):
    document_request(convention=convention, kind=DocumentKind.INSURANCE, due_on=date(2025, 6, 30), by=agent)
    return documents_path(convention)


def send_document_accepted(convention, member, agent):
    document_accept(document=received(convention, member), by=agent)
    return documents_path(convention)


def send_document_rejected(convention, member, agent):
    document_reject(document=received(convention, member), reason=REASON, by=agent)
    return documents_path(convention)


def vault_received(convention, member):
    return vault_paper_upload(beneficiary=convention.beneficiary, kind=DocumentKind.STATUTES,
                              uploaded=upload("statuts.pdf", pdf_bytes()), valid_from=date(2024, 1, 1), by=member)


def send_vault_paper_accepted(convention, member, agent):
    vault_paper_accept(paper=vault_received(convention, member), by=agent)
    return reverse("portal_vault:list")


def send_vault_paper_rejected(convention, member, agent):
    vault_paper_reject(paper=vault_received(convention, member), reason=REASON, by=agent)
    return reverse("portal_vault:list")


def send_changes_requested(convention, member, agent):
    application = submitted(member)
    mail.outbox.clear()
    application_request_changes(application=application, user=agent, message=REASON)
    return reverse("portal_campaigns:application", args=[application.pk])


def _reminded(convention, *, association_email: str):
    convention.status = Status.ACTIVE
    convention.beneficiary_signed_on, convention.funder_signed_on = date(2025, 4, 2), date(2025, 4, 10)
    convention.save()
    convention.beneficiary.email = association_email
    convention.beneficiary.save()
    due = owe(convention).due_on
    reminders_send(today=due - timedelta(days=7))


def send_reminder_association(convention, member, agent):
    _reminded(convention, association_email="contact@atelier.invalid")
    return documents_path(convention)


def send_reminder_staff(convention, member, agent):
    member.memberships.update(is_active=False)
    _reminded(convention, association_email="")
    return reverse("admin:beneficiaries_beneficiary_change", args=[convention.beneficiary.pk])


def send_invitation(convention, member, agent):
    invitation_create(beneficiary=convention.beneficiary, email="nouvelle@atelier.invalid", invited_by=agent,
                      site_url=settings.SITE_URL)
    return "/portail/invitation/*"


def send_message_to_service(convention, member, agent):
    message_post(convention=convention, author=member, side=Side.ASSOCIATION, body=REASON)
    return reverse("admin:conventions_convention_messages", args=[convention.pk])


def send_message_to_association(convention, member, agent):
    message_post(convention=convention, author=agent, side=Side.SERVICE, body=REASON)
    return reverse("portal_conventions:messages", args=[convention.pk])


def send_job_finished(convention, member, agent):
    agent.email = agent.email or "agent1@metropole.invalid"
    agent.save()
    job = scdl_csv_start(user=agent)  # any job: its owner is told when it is finished
    return reverse("jobs:detail", args=[job.pk])


def send_digest(convention, member, agent):
    notice_preference_set(user=member, frequency=Frequency.DAILY)
    message_post(convention=convention, author=agent, side=Side.SERVICE, body=REASON)
    transaction.on_commit(digest_send)  # after the queued notice is committed, like the daily run
    return reverse("portal_conventions:messages", args=[convention.pk])


def send_activation(convention, member, agent):
    association = AssociationInput(
        name=NAME + " bis", siret=luhn_siret(9001), rna="", address="1, rue de la Paix", postal_code="13001",
        city="Marseille", representative_civility="Mme", representative_title="Présidente",
        representative_name="Nadia BENALI", email="atelier-bis@atelier.invalid")
    registration_create(association=association, person=PersonInput(
        first_name="Nadia", last_name="BENALI", email="nadia@atelier.invalid", password="Une-inscription-2026"),
        site_url=settings.SITE_URL)
    return "/portail/inscription/activer/*"


def send_password_reset(convention, member, agent, client=None):
    client.post(reverse("portal:password_reset"), {"email": member.email})
    return "/portail/mot-de-passe/nouveau/*"


# template -> (trigger, whether the association's name is in the email)
CASES = {
    "conventions/emails/budget_returned": (send_budget_returned, False),
    "conventions/emails/convention_submitted": (send_convention_submitted, True),
    "conventions/emails/payment_staff_approved": (send_payment_staff_approved, True),
    "conventions/emails/payment_paid": (send_payment_paid, False),
    "documents/emails/document_requested": (send_document_requested, True),
    "documents/emails/document_accepted": (send_document_accepted, True),
    "documents/emails/document_rejected": (send_document_rejected, True),
    "documents/emails/vault_paper_accepted": (send_vault_paper_accepted, True),
    "documents/emails/vault_paper_rejected": (send_vault_paper_rejected, True),
    "campaigns/emails/changes_requested": (send_changes_requested, False),
    "conventions/reminderlog_association_email": (send_reminder_association, False),
    "conventions/reminderlog_staff_email": (send_reminder_staff, True),
    "beneficiaries/email/invitation": (send_invitation, True),
    "registration/email/activation": (send_activation, True),
    "beneficiaries/email/password_reset": (send_password_reset, False),
    "messaging/emails/to_service": (send_message_to_service, True),
    "messaging/emails/to_association": (send_message_to_association, False),
    "notices/emails/digest": (send_digest, False),
    "jobs/emails/finished": (send_job_finished, False),
}


def test_every_email_template_is_triggered_here():
    assert email_templates() == set(CASES)


@pytest.mark.parametrize("template", sorted(CASES))
def test_every_email_reads_as_typed_with_absolute_links_to_the_page(template, convention, member, agent, client,
                                                                    django_capture_on_commit_callbacks):
    trigger, names_the_association = CASES[template]
    with django_capture_on_commit_callbacks(execute=True):
        kwargs = {"client": client} if trigger is send_password_reset else {}
        path = trigger(convention, member, agent, **kwargs)
    assert mail.outbox, "no email sent"
    message = mail.outbox[-1]
    check_plain_text(message, path=path, name=NAME if names_the_association else "")
    if trigger in (send_budget_returned, send_document_rejected, send_vault_paper_rejected, send_changes_requested,
                   send_message_to_service,
                   send_message_to_association):
        assert REASON in message.body  # « l'équilibre », « > » and « & » as typed


def test_the_campaign_application_email_names_the_association_as_typed(agent, django_capture_on_commit_callbacks):
    member = MembershipFactory(beneficiary=BeneficiaryFactory(name=NAME, email="contact@atelier.invalid")).user
    with django_capture_on_commit_callbacks(execute=True):
        application_request_changes(application=submitted(member), user=agent, message=REASON)
    assert f"candidature de {NAME}" in mail.outbox[-1].body


# --- The documents' emails ---------------------------------------------------------------------------


def test_a_requested_document_is_emailed_with_its_due_date_and_link(convention, member, agent,
                                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        document = document_request(convention=convention, kind=DocumentKind.INSURANCE, due_on=date(2025, 6, 30),
                                    by=agent)
    assert document.status == DocumentStatus.EXPECTED
    assert document.history.get().history_user == agent
    [message] = mail.outbox
    assert message.to == ["contact@atelier.invalid", "tresoriere@atelier.invalid"]
    assert message.subject == f"Justificatif demandé : Attestation d'assurance — {convention.reference}"
    assert "avant le 30 juin 2025" in message.body
    assert settings.SITE_URL + documents_path(convention) in message.body


def test_an_accepted_document_is_emailed_to_the_association(convention, member, agent,
                                                            django_capture_on_commit_callbacks):
    document = received(convention, member)
    with django_capture_on_commit_callbacks(execute=True):
        document_accept(document=document, by=agent)
    [message] = mail.outbox
    assert message.subject == f"Justificatif accepté : Attestation d'assurance — {convention.reference}"
    assert "a accepté la pièce « Attestation d'assurance »" in message.body


def test_a_rejected_document_is_emailed_with_the_reason(convention, member, agent, django_capture_on_commit_callbacks):
    document = received(convention, member)
    with django_capture_on_commit_callbacks(execute=True):
        document_reject(document=document, reason=REASON, by=agent)
    [message] = mail.outbox
    assert message.subject == f"Justificatif à déposer de nouveau : Attestation d'assurance — {convention.reference}"
    assert f"Motif : {REASON}" in message.body
    assert settings.SITE_URL + documents_path(convention) in message.body


def test_a_refused_step_sends_nothing(convention, member, agent, django_capture_on_commit_callbacks):
    document = received(convention, member)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError):
            document_reject(document=document, reason="  ", by=agent)
        with pytest.raises(ValidationError):
            document_accept(document=document, by=member)  # who deposited it may not accept it
    assert mail.outbox == []
    document.refresh_from_db()
    assert document.status == DocumentStatus.RECEIVED


def test_an_association_without_any_address_gets_no_document_email(agent, django_capture_on_commit_callbacks):
    convention = ConventionFactory(beneficiary__email="")
    with django_capture_on_commit_callbacks(execute=True):
        document_request(convention=convention, kind=DocumentKind.INSURANCE, by=agent)
    assert mail.outbox == []


def test_the_staff_who_add_a_document_ask_it_of_the_association(client, convention, member,
                                                                django_capture_on_commit_callbacks):
    client.force_login(staff_user("agent2", AGENT))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:documents_document_add"), {
            "convention": convention.pk, "kind": DocumentKind.STATUTES, "due_on": "30/06/2025"})
    assert response.status_code == 302, response.content.decode()[:2000]
    document = Document.objects.get(convention=convention, kind=DocumentKind.STATUTES)
    assert document.status == DocumentStatus.EXPECTED and document.due_on == date(2025, 6, 30)
    [message] = mail.outbox
    assert message.subject.startswith("Justificatif demandé : Statuts")


def test_the_staff_are_told_the_association_was_emailed(client, convention, member):
    client.force_login(staff_user("agent2", AGENT))
    document = received(convention, member)
    response = client.post(reverse("admin:documents_document_accept", args=[document.pk]), follow=True)
    assert "L&#x27;association a été prévenue par courriel." in response.content.decode()


# --- The returned budget -----------------------------------------------------------------------------


def test_the_returned_budget_email_links_to_that_years_budget(convention, agent, django_capture_on_commit_callbacks):
    budget = balanced_forecast(convention)
    budget.status, budget.year = BudgetStatus.SUBMITTED, 2026
    budget.save()
    with django_capture_on_commit_callbacks(execute=True):
        budget_return(budget=budget, user=agent, comment="Merci de l'équilibrer.")
    body = mail.outbox[-1].body
    assert "merci de l'équilibrer" in body.lower() and "&#x27;" not in body
    url = settings.SITE_URL + reverse("portal_budgets:forecast", args=[convention.pk]) + "?annee=2026"
    assert url in body.split()


def test_the_staff_are_told_when_the_association_could_not_be_emailed(client):
    client.force_login(staff_user("agent2", AGENT))
    convention = ConventionFactory(beneficiary__email="")
    member = MembershipFactory(beneficiary=convention.beneficiary, user__email="").user
    document = received(convention, member)
    response = client.post(reverse("admin:documents_document_accept", args=[document.pk]), follow=True)
    page = response.content.decode()
    assert "n&#x27;a aucune adresse électronique : elle n&#x27;a pas été prévenue par courriel." in page
    assert "L&#x27;association a été prévenue par courriel." not in page
