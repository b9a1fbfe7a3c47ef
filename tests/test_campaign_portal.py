"""Applications in the portal and their instruction in the admin: what a member and an agent see and do."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Application, ApplicationStatus, Campaign, Opinion
from campaigns.rules import APPLICATION_DOCUMENTS
from campaigns.services import application_assign, application_propose
from core.roles import AGENT
from tests.factories import (
    ApplicationFactory,
    BudgetLineFactory,
    CampaignFactory,
    MembershipFactory,
    ProgrammeFactory,
    staff_user,
)
from tests.samples import pdf_bytes, upload

pytestmark = pytest.mark.django_db

FORM = {"action_title": "Parcours emploi jeunes", "objectives": "Accompagner 200 jeunes.",
        "action_start": "2027-01-01", "action_end": "2027-12-31", "public": "Jeunes de 16 à 25 ans",
        "place": "Marseille", "requested_amount": "15 000"}


@pytest.fixture
def campaign():
    today = timezone.localdate()
    return CampaignFactory(opens_on=today - timedelta(days=10), closes_on=today + timedelta(days=10))


@pytest.fixture
def member():
    return MembershipFactory().user


@pytest.fixture
def agent():
    return staff_user("instructeur", AGENT)


def page(client, name, *args, **query):
    response = client.get(reverse(f"portal_campaigns:{name}", args=args), query)
    assert response.status_code == 200
    return response.content.decode()


def budget_post(response, lines):
    """Return what the budget page posts back, with ``lines`` (code, amount) typed on the first free row of each account."""
    from tests.test_budget_portal import form_data

    data = form_data(response, action="save")
    for code, amount in lines:
        form = next(f for f in response.context["formset"].forms if f.spec.code == code)
        data[form.add_prefix("amount")] = amount
    return data


def test_a_member_applies_fills_the_budget_confirms_and_submits(client, member, campaign):
    client.force_login(member)
    assert campaign.title in page(client, "list")
    form_page = page(client, "create", campagne=campaign.pk)
    beneficiary = member.memberships.get().beneficiary
    assert beneficiary.siret in form_page and "ne se modifient pas ici" in form_page  # identity prefilled, read-only
    response = client.post(reverse("portal_campaigns:create") + f"?campagne={campaign.pk}", FORM)
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal_campaigns:budget",
                                                                           args=[application.pk])
    assert application.requested_amount == D("15000") and application.beneficiary == beneficiary
    budget_url = reverse("portal_campaigns:budget", args=[application.pk])
    response = client.post(budget_url, budget_post(client.get(budget_url),
                                                   [("641", "20 000"), ("744", "15 000"), ("756", "5 000")]))
    assert response.status_code == 302
    assert application.budget.lines.count() == 3
    documents_url = reverse("portal_campaigns:documents", args=[application.pk])
    assert "À joindre" in page(client, "documents", application.pk)
    for kind in APPLICATION_DOCUMENTS:
        response = client.post(documents_url, {"kind": kind, "file": upload(f"{kind}.pdf", pdf_bytes())})
        assert response.status_code == 302
    assert "À joindre" not in page(client, "documents", application.pk)
    confirmation = page(client, "submit", application.pk)
    assert "Je confirme le dépôt" in confirmation and "15\u202f000\u00a0€" in confirmation
    assert Application.objects.get().status == ApplicationStatus.DRAFT  # the confirmation page changes nothing
    response = client.post(reverse("portal_campaigns:submit", args=[application.pk]),
                           {"version": Application.objects.get().version})
    assert response.status_code == 302
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED
    assert "Dépôt du" in page(client, "application", application.pk)


def test_an_application_to_a_closed_campaign_is_refused_with_nothing_saved(client, member):
    closed = CampaignFactory(opens_on=timezone.localdate() - timedelta(days=30),
                             closes_on=timezone.localdate() - timedelta(days=1))
    client.force_login(member)
    response = client.post(reverse("portal_campaigns:create") + f"?campagne={closed.pk}", FORM)
    assert response.status_code == 200 and "est close depuis le" in response.content.decode()
    assert not Application.objects.exists()


def test_a_second_application_for_the_same_action_shows_the_error_on_its_field(client, member, campaign):
    client.force_login(member)
    client.post(reverse("portal_campaigns:create") + f"?campagne={campaign.pk}", FORM)
    response = client.post(reverse("portal_campaigns:create") + f"?campagne={campaign.pk}",
                           {**FORM, "action_title": "parcours EMPLOI jeunes"})
    assert "déjà une candidature pour l&#x27;action" in response.content.decode()
    assert Application.objects.count() == 1


def test_the_submit_page_lists_what_is_missing(client, member, campaign):
    application = ApplicationFactory(campaign=campaign, beneficiary=member.memberships.get().beneficiary)
    client.force_login(member)
    content = page(client, "submit", application.pk)
    assert "le budget prévisionnel de l&#x27;action" in content and "Je confirme le dépôt" not in content


def test_a_submitted_budget_is_read_only_for_the_association(client, member, campaign):
    application = ApplicationFactory(campaign=campaign, beneficiary=member.memberships.get().beneficiary,
                                     status=ApplicationStatus.SUBMITTED)
    client.force_login(member)
    budget_url = reverse("portal_campaigns:budget", args=[application.pk])
    response = client.post(budget_url, budget_post(client.get(budget_url), [("641", "1")]))
    assert "ne peut plus être modifié" in response.content.decode()
    assert not application.budget.lines.exists()


def submitted_application(member, campaign):
    application = ApplicationFactory(campaign=campaign, beneficiary=member.memberships.get().beneficiary,
                                     status=ApplicationStatus.SUBMITTED, submitted_by=member)
    BudgetLineFactory(budget=application.budget, code="641", label="Salaires", amount=D("8000"))
    return application


# --- The admin instruction page ----------------------------------------------------------------


def test_the_instruction_page_shows_the_checks_and_no_status_field(client, member, campaign, agent):
    application = submitted_application(member, campaign)  # requests 10 000 € for 8 000 € of charges
    client.force_login(agent)
    response = client.get(reverse("admin:campaigns_application_change", args=[application.pk]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "supérieur au total des charges du budget de l&#x27;action" in content
    assert "reste 100\u202f000\u00a0€" in content
    assert 'name="status"' not in content and 'name="_save"' not in content
    assert '<div class="readonly">10\u202f000\u00a0€</div>' in content  # the amount requested, in euros
    assert 'class="submit-row"' not in content  # no empty row of buttons: decisions are the forms below


def test_an_agent_assigns_proposes_and_the_envelope_shrinks(client, member, campaign, agent):
    application = submitted_application(member, campaign)
    client.force_login(agent)
    url = reverse("admin:campaigns_application_instruct", args=[application.pk, "assign"])
    assert client.post(url, {"agent": agent.pk}).status_code == 302
    url = reverse("admin:campaigns_application_instruct", args=[application.pk, "propose"])
    response = client.post(url, {"opinion": "favorable", "proposed_amount": "100 000,01",
                                 "proposal_reason": "Action utile."})
    assert "dépasse ce qui reste de l&#x27;enveloppe" in response.content.decode()
    assert Application.objects.get().status == ApplicationStatus.IN_INSTRUCTION
    response = client.post(url, {"opinion": "favorable", "proposed_amount": "7 500",
                                 "proposal_reason": "Action utile."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.proposed_amount) == (ApplicationStatus.PROPOSED, D("7500"))
    content = client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    assert "reste 92\u202f500\u00a0€" in content


def test_a_request_for_changes_from_the_admin_is_emailed(client, member, campaign, agent,
                                                          django_capture_on_commit_callbacks):
    application = submitted_application(member, campaign)
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:campaigns_application_instruct", args=[application.pk, "request_changes"]),
                               {"message": "Joignez le bilan 2026."})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[member.email]] and "Joignez le bilan 2026." in mail.outbox[0].body
    assert reverse("portal_campaigns:application", args=[application.pk]) in mail.outbox[0].body


def test_an_agent_member_of_the_association_sees_why_instead_of_the_decisions(client, member, campaign, agent):
    application = application_assign(application=submitted_application(member, campaign), agent=agent, user=agent)
    MembershipFactory(user=agent, beneficiary=application.beneficiary)
    client.force_login(agent)
    content = client.get(reverse("admin:campaigns_application_change", args=[application.pk])).content.decode()
    assert "Vous êtes membre de l&#x27;association" in content and "Enregistrer la proposition" not in content
    client.post(reverse("admin:campaigns_application_instruct", args=[application.pk, "propose"]),
                {"opinion": "favorable", "proposed_amount": "1000", "proposal_reason": "Bien."})
    assert Application.objects.get().status == ApplicationStatus.IN_INSTRUCTION


def test_the_dashboard_counts_applications_and_amounts_per_campaign(client, member, campaign, agent):
    application = application_assign(application=submitted_application(member, campaign), agent=agent, user=agent)
    application_propose(application=application, opinion=Opinion.FAVORABLE, proposed_amount="6000",
                        reason="Bien.", user=agent)
    ApplicationFactory(campaign=campaign, requested_amount=D("4000"), status=ApplicationStatus.SUBMITTED)
    ApplicationFactory(campaign=campaign, requested_amount=D("500000"))  # a draft requests nothing yet
    client.force_login(agent)
    content = client.get(reverse("admin:campaigns_dashboard")).content.decode()
    assert campaign.title in content and "<svg" in content
    assert "14\u202f000\u00a0€" in content and "6\u202f000\u00a0€" in content  # requested, proposed
    assert "514\u202f000" not in content


def test_a_campaign_closing_before_it_opens_is_refused_in_the_admin(client):
    admin_user = get_user_model().objects.create_superuser("chef", "chef@example.invalid", "motdepasse-solide-42")
    programme = ProgrammeFactory()
    client.force_login(admin_user)
    response = client.post(reverse("admin:campaigns_campaign_add"), {
        "programme": programme.pk, "year": "2027", "title": "Cohésion sociale 2027", "opens_on": "01/12/2026",
        "closes_on": "30/11/2026", "envelope": "250 000"})
    assert response.status_code == 200
    assert "La clôture des candidatures précède leur ouverture." in response.content.decode()
    assert not Campaign.objects.exists()
