"""Writes on applications (campaigns/services.py): each step's guard, its French refusal with nothing
saved, its audit record, and the versions kept on a correction round trip."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns.models import Application, ApplicationStatus, Opinion, VersionKind
from campaigns.rules import APPLICATION_DOCUMENTS, application_document_slots, envelope_remaining
from campaigns.services import (
    application_assign,
    application_create,
    application_dismiss,
    application_document_upload,
    application_propose,
    application_record_vote,
    application_refuse,
    application_request_changes,
    application_resubmit,
    application_submit,
    application_update,
    submission_missing,
)
from core.roles import AGENT
from documents.models import DocumentStatus
from tests.factories import (
    ApplicationFactory,
    BudgetLineFactory,
    CampaignFactory,
    ConventionFactory,
    DocumentFactory,
    MembershipFactory,
    staff_user,
)
from tests.samples import pdf_bytes, upload

pytestmark = pytest.mark.django_db

OPEN_DAY = date(2026, 10, 1)
CONTENT = {"objectives": "Accompagner 200 jeunes vers l'emploi.", "action_start": date(2027, 1, 1),
           "action_end": date(2027, 12, 31), "public": "Jeunes de 16 à 25 ans", "place": "Marseille 3e",
           "requested_amount": "15 000,00"}


@pytest.fixture
def member():
    return MembershipFactory().user


@pytest.fixture
def agent():
    return staff_user("instructeur", AGENT)


def drafted(member, campaign=None, title="Parcours emploi jeunes", **content):
    campaign = campaign or CampaignFactory()
    beneficiary = member.memberships.get().beneficiary
    application = application_create(campaign=campaign, beneficiary=beneficiary, user=member, today=OPEN_DAY,
                                      action_title=title, **{**CONTENT, **content})
    BudgetLineFactory(budget=application.budget, code="641", label="Salaires", amount=D("20000"))
    BudgetLineFactory(budget=application.budget, code="744", label="Métropole", amount=D("15000"))
    BudgetLineFactory(budget=application.budget, code="756", label="Cotisations", amount=D("5000"))
    attach_documents(application, member)
    return application


def attach_documents(application, user, kinds=tuple(APPLICATION_DOCUMENTS)):
    for kind in kinds:
        application_document_upload(application=application, kind=kind, user=user,
                                    uploaded=upload(f"{kind}.pdf", pdf_bytes()))


def submitted(member, **kwargs):
    return application_submit(application=drafted(member, **kwargs), user=member, today=OPEN_DAY)


def in_instruction(member, agent, **kwargs):
    return application_assign(application=submitted(member, **kwargs), agent=agent, user=agent)


# --- The association's side ---------------------------------------------------------------------


def test_a_member_drafts_an_application_with_its_forecast_budget_of_the_action(member):
    application = drafted(member)
    assert application.status == ApplicationStatus.DRAFT and application.requested_amount == D("15000.00")
    assert application.budget.convention is None and application.budget.scope == "action"
    assert application.history.first().history_user == member


@pytest.mark.parametrize("today, message", [(date(2027, 1, 1), "est close depuis le 31 décembre 2026"),
                                            (date(2026, 8, 31), "n'ouvre que le 1er septembre 2026")])
def test_no_application_outside_the_campaigns_dates(member, today, message):
    campaign = CampaignFactory()
    beneficiary = member.memberships.get().beneficiary
    with pytest.raises(ValidationError, match=message):
        application_create(campaign=campaign, beneficiary=beneficiary, user=member, today=today,
                           action_title="Action", **CONTENT)
    assert not Application.objects.exists()


def test_the_opening_and_closing_days_are_open(member):
    campaign = CampaignFactory()
    beneficiary = member.memberships.get().beneficiary
    for day, title in [(campaign.opens_on, "A"), (campaign.closes_on, "B")]:
        application_create(campaign=campaign, beneficiary=beneficiary, user=member, today=day, action_title=title)
    assert Application.objects.count() == 2


def test_a_second_application_for_the_same_action_is_refused_whatever_its_spelling(member):
    first = drafted(member, title="Parcours emploi jeunes")
    with pytest.raises(ValidationError, match="déjà une candidature pour l'action"):
        drafted(member, campaign=first.campaign, title="  PARCOURS   emploi-jeunes ")
    assert Application.objects.count() == 1
    other = drafted(member, campaign=first.campaign, title="Atelier numérique")
    with pytest.raises(ValidationError, match="déjà une candidature"):
        application_update(application=other, user=member, action_title="Parcours emploi jeunes")
    assert Application.objects.get(pk=other.pk).action_title == "Atelier numérique"


def test_only_a_member_of_the_association_applies(member):
    stranger = MembershipFactory().user
    with pytest.raises(ValidationError, match="Seul un membre"):
        application_create(campaign=CampaignFactory(), beneficiary=member.memberships.get().beneficiary,
                           user=stranger, today=OPEN_DAY, action_title="Action")


def test_an_incomplete_application_is_not_submitted(member):
    application = drafted(member, public="")
    application.budget.lines.all().delete()
    application.documents.filter(kind="statutes").delete()
    with pytest.raises(ValidationError, match="le public visé, le budget prévisionnel de l'action, la pièce « Statuts »"):
        application_submit(application=application, user=member, today=OPEN_DAY)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DRAFT


def test_submitting_keeps_the_content_with_its_budget_lines(member):
    application = submitted(member)
    assert application.status == ApplicationStatus.SUBMITTED and application.submitted_by == member
    version = application.versions.get()
    assert version.number == 1 and version.kind == VersionKind.SUBMISSION
    assert version.snapshot["requested_amount"] == "15000.00"
    assert {(line["code"], line["amount"]) for line in version.snapshot["budget_lines"]} == {
        ("641", "20000.00"), ("744", "15000.00"), ("756", "5000.00")}


def test_a_page_older_than_the_application_is_refused(member):
    application = drafted(member)
    application_update(application=application, user=member, expected_version=application.version, place="Aix")
    with pytest.raises(ValidationError, match="modifiée par quelqu'un d'autre"):
        application_update(application=application, user=member, expected_version=application.version, place="Arles")
    assert Application.objects.get(pk=application.pk).place == "Aix"


# --- The correction round trip ------------------------------------------------------------------


def test_the_correction_round_trip_keeps_both_versions_and_emails_the_association(
        member, agent, django_capture_on_commit_callbacks):
    application = submitted(member)
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="Indiquez ce que l'association doit compléter"):
        application_request_changes(application=application, user=agent, message="  ")
    with django_capture_on_commit_callbacks(execute=True):
        application = application_request_changes(application=application, user=agent,
                                                   message="Précisez le nombre de jeunes accompagnés.")
    assert application.status == ApplicationStatus.CHANGES_REQUESTED
    assert len(mail.outbox) == 1 and member.email in mail.outbox[0].to
    assert "Précisez le nombre de jeunes accompagnés." in mail.outbox[0].body
    assert "des compléments sont demandés" in mail.outbox[0].subject
    application_update(application=application, user=member, objectives="Accompagner 250 jeunes.",
                       requested_amount="18000")
    application = application_resubmit(application=application, user=member, message="250 jeunes, montant revu.")
    assert application.status == ApplicationStatus.SUBMITTED
    first, request, second = application.versions.order_by("number")
    assert (first.kind, request.kind, second.kind) == ("submission", "changes_requested", "submission")
    assert first.snapshot["objectives"] == CONTENT["objectives"] and first.snapshot["requested_amount"] == "15000.00"
    assert second.snapshot["objectives"] == "Accompagner 250 jeunes." and second.snapshot["requested_amount"] == "18000.00"
    assert request.message == "Précisez le nombre de jeunes accompagnés." and request.by == agent
    assert second.message == "250 jeunes, montant revu."


def test_a_submitted_application_cannot_be_changed_by_the_association(member):
    application = submitted(member)
    with pytest.raises(ValidationError, match="est déposée : elle ne peut pas être modifiée"):
        application_update(application=application, user=member, place="Aix")


# --- Instruction --------------------------------------------------------------------------------


def test_assigning_starts_the_instruction(member, agent):
    application = in_instruction(member, agent)
    assert application.status == ApplicationStatus.IN_INSTRUCTION and application.assigned_to == agent
    assert application.history.first().history_change_reason.startswith("Attribuée à")


def test_an_agent_member_of_the_association_cannot_instruct_it(member, agent):
    application = submitted(member)
    MembershipFactory(user=agent, beneficiary=application.beneficiary)
    with pytest.raises(ValidationError, match="Vous êtes membre de l'association"):
        application_assign(application=application, agent=agent, user=agent)
    assert Application.objects.get(pk=application.pk).assigned_to is None


def test_a_portal_member_is_not_an_instructor(member):
    application = submitted(member)
    with pytest.raises(ValidationError, match="Seul le service instructeur"):
        application_propose(application=application, opinion=Opinion.FAVORABLE, proposed_amount="1000",
                            reason="Bien", user=member)


def test_a_proposal_above_the_envelopes_remainder_is_refused_and_nothing_saved(member, agent):
    campaign = CampaignFactory(envelope=D("20000"))
    first = in_instruction(member, agent, campaign=campaign, title="Première action")
    application_propose(application=first, opinion=Opinion.FAVORABLE, proposed_amount="15000",
                        reason="Action reconduite.", user=agent)
    second = in_instruction(member, agent, campaign=campaign, title="Seconde action")
    with pytest.raises(ValidationError, match="dépasse ce qui reste de l'enveloppe de la campagne \\(5"):
        application_propose(application=second, opinion=Opinion.FAVORABLE, proposed_amount="5000.01",
                            reason="Nouvelle action.", user=agent)
    second.refresh_from_db()
    assert second.status == ApplicationStatus.IN_INSTRUCTION and second.proposed_amount is None
    assert envelope_remaining(campaign) == D("5000")
    # Its own earlier proposal is given back before judging a new one.
    application_propose(application=first, opinion=Opinion.RESERVED, proposed_amount="20000",
                        reason="Revu à la hausse.", user=agent)
    assert envelope_remaining(campaign) == D("0")


def test_a_proposal_needs_an_amount_and_a_reason(member, agent):
    application = in_instruction(member, agent)
    for amount, reason, message in [("", "Motif", "Indiquez un montant"), ("0", "Motif", "supérieur à zéro"),
                                    ("1000", " ", "Indiquez la motivation"), ("-5", "Motif", "négatif")]:
        with pytest.raises(ValidationError, match=message):
            application_propose(application=application, opinion=Opinion.FAVORABLE, proposed_amount=amount,
                                reason=reason, user=agent)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.IN_INSTRUCTION


def test_refusing_and_dismissing_record_the_reason(member, agent):
    refused = application_refuse(application=in_instruction(member, agent, title="A"), reason="Hors du champ.",
                                 user=agent)
    assert (refused.status, refused.opinion, refused.proposal_reason) == (
        ApplicationStatus.REFUSED, Opinion.UNFAVORABLE, "Hors du champ.")
    dismissed = application_dismiss(application=submitted(member, title="B"), reason="Retirée par l'association.",
                                    user=agent)
    assert dismissed.status == ApplicationStatus.DISMISSED
    with pytest.raises(ValidationError, match="est refusée : elle ne peut pas être classée sans suite"):
        application_dismiss(application=refused, reason="Encore", user=agent)


# --- The vote -----------------------------------------------------------------------------------


def proposed(member, agent, amount="12000", **kwargs):
    return application_propose(application=in_instruction(member, agent, **kwargs), opinion=Opinion.FAVORABLE,
                               proposed_amount=amount, reason="Action utile.", user=agent)


def test_the_vote_grants_the_proposed_amount_or_the_one_voted(member, agent):
    application = application_record_vote(application=proposed(member, agent, title="A"), granted=True, amount=None,
                                          by=agent)
    assert application.status == ApplicationStatus.GRANTED and application.granted_amount == D("12000")
    other = application_record_vote(application=proposed(member, agent, title="B"), granted=True,
                                    amount=D("10000"), by=agent)
    assert other.granted_amount == D("10000")
    assert envelope_remaining(application.campaign) == D("100000") - D("12000")


def test_the_vote_rejects_and_is_recorded_only_once(member, agent):
    application = application_record_vote(application=proposed(member, agent), granted=False, amount=None, by=agent)
    assert application.status == ApplicationStatus.NOT_GRANTED and application.granted_amount is None
    with pytest.raises(ValidationError, match="est non attribuée : elle ne peut pas être votée"):
        application_record_vote(application=application, granted=True, amount=D("1000"), by=agent)


def test_only_a_proposed_application_is_voted(member, agent):
    application = in_instruction(member, agent)
    with pytest.raises(ValidationError, match="est en instruction : elle ne peut pas être votée"):
        application_record_vote(application=application, granted=True, amount=D("1000"), by=agent)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.IN_INSTRUCTION


def test_factory_applications_are_valid():
    application = ApplicationFactory()
    application.full_clean()


# --- Documents ----------------------------------------------------------------------------------


def test_a_document_still_valid_is_not_asked_again_and_an_expired_one_is(member):
    beneficiary = member.memberships.get().beneficiary
    convention = ConventionFactory(beneficiary=beneficiary)
    now = timezone.now()
    for kind, age, status in [("statutes", 2000, DocumentStatus.ACCEPTED), ("board_list", 400, DocumentStatus.ACCEPTED),
                              ("bank_details", 10, DocumentStatus.REJECTED), ("annual_accounts", 100,
                                                                               DocumentStatus.RECEIVED)]:
        document = DocumentFactory(convention=convention, kind=kind, status=status, uploaded_at=now - timedelta(days=age))
        document.file.save(f"{kind}.pdf", upload(f"{kind}.pdf", pdf_bytes()), save=True)
    application = application_create(campaign=CampaignFactory(), beneficiary=beneficiary, user=member, today=OPEN_DAY,
                                      action_title="Action", **CONTENT)
    slots = {slot.kind: slot for slot in application_document_slots(application, today=now.date())}
    assert slots["statutes"].is_met and slots["statutes"].on_file.valid_until is None  # until replaced
    assert slots["annual_accounts"].is_met and convention.reference in slots["annual_accounts"].on_file.where
    assert not slots["board_list"].is_met  # older than 12 months
    assert not slots["bank_details"].is_met  # refused: owed again
    assert not slots["activity_report"].is_met
    missing = submission_missing(application)
    assert "la pièce « Statuts »" not in missing and "la pièce « Relevé d'identité bancaire »" in missing


def test_a_text_file_is_not_attached(member):
    application = drafted(member)
    with pytest.raises(ValidationError):
        application_document_upload(application=application, kind="statutes", user=member,
                                    uploaded=upload("statuts.pdf", b"pas un PDF", "application/pdf"))
