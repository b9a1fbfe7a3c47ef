"""The deliberation in the staff admin: created and prepared there, the proposed applications of a campaign
added in bulk, the annex downloaded, the vote confirmed on a page that lists what it will create, the
legality control entered with a confirmation; what the vote locks is read-only."""

import io
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campaigns.models import Application, ApplicationStatus
from conventions.models import Convention
from core.roles import AGENT, FINANCE
from deliberations.models import Deliberation, DeliberationLine, DeliberationStatus, Letter
from deliberations.services import deliberation_vote
from tests.factories import BeneficiaryFactory, CampaignFactory, FunderFactory, staff_user
from tests.pdf_helpers import pdf_text
from tests.test_deliberations import line_of, make_batch, proposed

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return staff_user("agent_delib", AGENT)


@pytest.fixture
def past_batch(agent):
    """The batch of tests/test_deliberations.py, its session held three days ago (a vote is never in the future)."""
    batch = make_batch(agent)
    Deliberation.objects.filter(pk=batch["deliberation"].pk).update(
        session_date=timezone.localdate() - timedelta(days=3))
    batch["deliberation"].refresh_from_db()
    return batch


@pytest.fixture
def agent_admin(client, agent):
    client.force_login(agent)
    return client


def url(name, deliberation):
    return reverse(f"admin:deliberations_deliberation_{name}", args=[deliberation.pk])


def test_an_agent_creates_a_deliberation_with_a_placeholder_number(agent_admin, agent):
    funder = FunderFactory()
    response = agent_admin.post(reverse("admin:deliberations_deliberation_add"), {
        "funder": funder.pk, "body": "council", "session_date": "2027-06-26", "number": "2027/....",
        "subject": "Subventions de la politique de la ville", "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0"})
    assert response.status_code == 302
    deliberation = Deliberation.objects.get()
    assert (deliberation.number, deliberation.status) == ("2027/....", DeliberationStatus.DRAFT)
    assert deliberation.history.get().history_user == agent


def test_the_proposed_applications_of_a_campaign_are_listed_then_added(agent_admin, past_batch):
    campaign = past_batch["campaign"]
    late = proposed(campaign, BeneficiaryFactory(name="Théâtre du Port"), "Fête de quartier", requested="3000",
                    proposed_amount="2500")
    page = agent_admin.get(url("add_proposed", past_batch["deliberation"]), {"campaign": campaign.pk})
    content = page.content.decode()
    assert "Théâtre du Port" in content and "Fête de quartier" in content
    assert "Sensibilisation à la cybersécurité" not in content  # already on the deliberation
    response = agent_admin.post(url("add_proposed", past_batch["deliberation"]), {"campaign": campaign.pk,
                                                                                  "confirm": "1"})
    assert response.status_code == 302
    assert line_of(late).deliberation == past_batch["deliberation"]


def test_the_vote_page_lists_what_the_vote_will_create_before_confirming(agent_admin, past_batch):
    page = agent_admin.get(url("vote", past_batch["deliberation"])).content.decode()
    assert "2 conventions en brouillon" in page and "1 lettre de notification" in page
    assert "Confirmer le vote" not in page  # « Vérifier » first
    gardens = line_of(past_batch["gardens"])
    preview = agent_admin.post(url("vote", past_batch["deliberation"]), {
        f"refuse_{gardens.pk}": "1", f"reason_{gardens.pk}": "Budget inférieur à la demande.", "preview": "1"})
    content = preview.content.decode()
    assert "0 lettre de notification" in content and "1 lettre de refus" in content and "Confirmer le vote" in content
    assert not Convention.objects.exists()  # previewing changes nothing
    response = agent_admin.post(url("vote", past_batch["deliberation"]), {
        f"refuse_{gardens.pk}": "1", f"reason_{gardens.pk}": "Budget inférieur à la demande.", "confirm": "1"})
    assert response.status_code == 302
    assert Convention.objects.count() == 2
    assert Application.objects.get(pk=past_batch["gardens"].pk).status == ApplicationStatus.NOT_GRANTED
    change = agent_admin.get(url("change", past_batch["deliberation"])).content.decode()
    for convention in Convention.objects.all():
        assert reverse("admin:conventions_convention_change", args=[convention.pk]) in change
    assert reverse("admin:deliberations_letter_pdf", args=[Letter.objects.get().pk]) in change
    assert "Transmettre à la préfecture" in change and "Enregistrer le vote" not in change


def test_a_refused_vote_says_why_and_saves_nothing(agent_admin, past_batch):
    DeliberationLine.objects.filter(pk=line_of(past_batch["cyber"]).pk).update(voted_amount=None)
    page = agent_admin.post(url("vote", past_batch["deliberation"]), {"confirm": "1"}).content.decode()
    assert "Sans montant soumis au vote" in page
    assert Deliberation.objects.get().status == DeliberationStatus.DRAFT and not Convention.objects.exists()


def test_finance_cannot_record_a_vote(client, past_batch):
    client.force_login(staff_user("finance_admin", FINANCE))
    assert client.get(url("vote", past_batch["deliberation"])).status_code == 403
    assert client.post(url("vote", past_batch["deliberation"]), {"confirm": "1"}).status_code == 403
    assert Deliberation.objects.get().status == DeliberationStatus.DRAFT


def test_the_annex_downloads_as_pdf_and_xlsx(agent_admin, past_batch):
    job_page = agent_admin.get(url("annex_pdf", past_batch["deliberation"]), follow=True)  # made by a job
    assert "Télécharger annexe-deliberation-" in job_page.content.decode()
    pdf = agent_admin.get(job_page.redirect_chain[-1][0] + "fichier/")
    assert pdf["Content-Type"] == "application/pdf" and "46 500 €" in pdf_text(b"".join(pdf.streaming_content))
    xlsx = agent_admin.get(url("annex_xlsx", past_batch["deliberation"]))
    assert xlsx["Content-Disposition"].endswith('.xlsx"')
    last = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))[-1]
    assert last[0] == "Total" and D(str(last[5])) == D("46500")


def test_after_the_vote_the_amounts_are_read_only_on_the_line_and_on_the_agreement(agent_admin, agent, past_batch):
    deliberation_vote(deliberation=past_batch["deliberation"], by=agent)
    change = agent_admin.get(url("change", past_batch["deliberation"])).content.decode()
    assert 'name="lines-0-voted_amount"' not in change
    convention = Convention.objects.get(application=past_batch["cyber"])
    page = agent_admin.get(reverse("admin:conventions_convention_change", args=[convention.pk])).content.decode()
    assert 'name="amount_granted"' not in page and 'name="deliberation_number"' not in page
    assert 'name="preamble"' in page  # the rest of the draft agreement stays editable


def test_transmission_and_receipt_are_entered_on_confirmation_pages(agent_admin, agent, past_batch):
    deliberation = past_batch["deliberation"]
    deliberation_vote(deliberation=deliberation, by=agent)
    today = timezone.localdate()
    future = agent_admin.post(url("transmit", deliberation), {"day": (today + timedelta(days=1)).isoformat()})
    assert "est dans le futur" in future.content.decode()
    assert agent_admin.post(url("transmit", deliberation), {"day": today.isoformat()}).status_code == 302
    assert agent_admin.post(url("receipt", deliberation), {"day": today.isoformat()}).status_code == 302
    deliberation.refresh_from_db()
    assert (deliberation.status, deliberation.transmitted_on, deliberation.received_on) == (
        DeliberationStatus.TRANSMITTED, today, today)


def test_the_date_pages_show_today_prefilled_in_the_date_input(agent_admin, agent, past_batch):
    """An <input type="date"> reads only ISO dates: the day offered (today) must be one, or the field shows empty."""
    deliberation = past_batch["deliberation"]
    deliberation_vote(deliberation=deliberation, by=agent)
    page = agent_admin.get(url("transmit", deliberation)).content.decode()
    assert f'type="date" name="day" value="{timezone.localdate().isoformat()}"' in page


def test_the_lists_and_the_letters_open(agent_admin, agent, past_batch):
    deliberation_vote(deliberation=past_batch["deliberation"], by=agent)
    assert "CS 001-27/BM" in agent_admin.get(reverse("admin:deliberations_deliberation_changelist")).content.decode()
    letters = agent_admin.get(reverse("admin:deliberations_letter_changelist")).content.decode()
    assert "Jardins pédagogiques" in letters
    letter = Letter.objects.get()
    pdf = agent_admin.get(reverse("admin:deliberations_letter_pdf", args=[letter.pk]))
    assert "Les Jardins partagés de l'Huveaune" in pdf_text(pdf.content)
    job_page = agent_admin.get(url("letters", past_batch["deliberation"]), follow=True)  # every letter: a job
    everything = agent_admin.get(job_page.redirect_chain[-1][0] + "fichier/")
    assert everything["Content-Type"] == "application/pdf"
    assert "Les Jardins partagés de l'Huveaune" in pdf_text(b"".join(everything.streaming_content))
    assert agent_admin.get(url("history", past_batch["deliberation"])).status_code == 200


def test_a_campaign_of_another_funder_is_not_offered(agent_admin, past_batch):
    other = CampaignFactory(programme__funder=FunderFactory(siret="21130055300016", name="Région Sud"),
                            title="Région 2027")
    page = agent_admin.get(url("add_proposed", past_batch["deliberation"])).content.decode()
    assert "Région 2027" not in page and past_batch["campaign"].title in page
    assert "Sélectionnez un choix valide" in agent_admin.get(url("add_proposed", past_batch["deliberation"]),
                                                               {"campaign": other.pk}).content.decode()


def test_a_crafted_post_on_a_voted_deliberation_changes_nothing(agent_admin, agent, past_batch):
    deliberation = past_batch["deliberation"]
    deliberation_vote(deliberation=deliberation, by=agent)
    line = line_of(past_batch["cyber"])
    response = agent_admin.post(url("change", deliberation), {
        "body": "council", "session_date": "2027-01-01", "number": "AUTRE", "subject": "Autre objet",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1", "lines-0-id": line.pk,
        "lines-0-deliberation": deliberation.pk, "lines-0-voted_amount": "99999"})
    assert response.status_code == 403
    deliberation.refresh_from_db()
    assert (deliberation.number, deliberation.subject) == ("CS 001-27/BM", past_batch["deliberation"].subject)
    assert line_of(past_batch["cyber"]).voted_amount == D("20000")
