"""The letters of the vote, shown to the association (issue 16): the application's page gives the
deliberation's outcome (amount voted, number, date) and « Télécharger la lettre (PDF) », served by
the deliberations app; or, when an agreement was drawn, a link to that agreement's page.
Another association's letter answers 404."""

import html

import pytest
from django.urls import reverse

from campaigns.models import ApplicationStatus
from core.roles import AGENT
from deliberations.models import Letter, LetterKind
from tests.factories import (
    ApplicationFactory,
    BeneficiaryFactory,
    MembershipFactory,
    UserFactory,
    staff_user,
)
from tests.pdf_helpers import normalize, pdf_text
from tests.test_deliberations import line_of, make_batch, vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return staff_user("agent_lettres", AGENT)


@pytest.fixture
def batch(agent):
    """The Pôle SCS with two subsidies (20 000 € and 16 500 €: agreements), the Jardins with one of
    10 000 € (a notification letter), on one deliberation of the Bureau (tests/test_deliberations.py)."""
    return make_batch(agent)

NBSP, NNBSP = "\u00a0", "\u202f"


def member_of(beneficiary, username):
    user = UserFactory(username=username)
    MembershipFactory(user=user, beneficiary=beneficiary)
    return user


def application_page(client, application) -> str:
    response = client.get(reverse("portal_campaigns:application", args=[application.pk]))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def letter_url(application):
    return reverse("portal_deliberations:letter_pdf", args=[application.pk])


def test_a_notified_subsidy_shows_the_vote_and_its_letter(client, batch, agent):
    vote(batch, agent)
    client.force_login(member_of(batch["jardins"], "jardins"))
    page = application_page(client, batch["gardens"])
    assert "Décision de la collectivité" in page
    assert "n° CS 001-27/BM du Bureau, votée le 12 mars 2027" in page
    assert "subvention attribuée" in page and f"10{NNBSP}000{NBSP}€" in page
    assert f'href="{letter_url(batch["gardens"])}">Télécharger la lettre (PDF)' in page
    response = client.get(letter_url(batch["gardens"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    text = pdf_text(response.content)
    assert "une subvention de 10 000 € pour l'action « Jardins pédagogiques »" in text
    assert "la délibération n° CS 001-27/BM du Bureau de la Métropole du 12 mars 2027" in text
    assert "vaut notification, sans convention" in text


def test_a_subsidy_refused_at_the_vote_shows_its_reason_and_its_motivated_letter(client, batch, agent):
    vote(batch, agent, not_granted={line_of(batch["gardens"]).pk: "Le budget de l'action est inférieur à la demande."})
    client.force_login(member_of(batch["jardins"], "jardins"))
    page = application_page(client, batch["gardens"])
    assert "subvention non attribuée" in page and "Le budget de l'action est inférieur à la demande." in page
    assert "Lettre de refus motivée du" in page
    text = normalize(pdf_text(client.get(letter_url(batch["gardens"])).content))
    assert "n'a pas retenu votre demande de subvention de 12 000 € pour l'action « Jardins pédagogiques »" in text
    assert "Le budget de l'action est inférieur à la demande." in text


def test_an_application_refused_in_instruction_gets_its_letter_once_the_deliberation_is_voted(client, batch, agent):
    refused = ApplicationFactory(campaign=batch["campaign"], beneficiary=batch["jardins"],
                                 action_title="Fête des récoltes", status=ApplicationStatus.REFUSED,
                                 proposal_reason="Action ponctuelle sans lien avec les objectifs du programme.")
    client.force_login(member_of(batch["jardins"], "jardins"))
    assert "Télécharger la lettre" not in application_page(client, refused)
    assert client.get(letter_url(refused)).status_code == 404
    vote(batch, agent)
    page = application_page(client, refused)
    assert "n'a pas été retenue lors de l'instruction" in page and "Télécharger la lettre (PDF)" in page
    assert "Action ponctuelle sans lien" in pdf_text(client.get(letter_url(refused)).content)


def test_an_agreement_drawn_by_the_vote_is_linked_instead_of_a_letter(client, batch, agent):
    vote(batch, agent)
    batch["cyber"].refresh_from_db()
    convention = batch["cyber"].convention
    client.force_login(member_of(batch["pole"], "pole"))
    page = application_page(client, batch["cyber"])
    assert f'href="{reverse("portal_conventions:detail", args=[convention.pk])}"' in page
    assert f"voir la convention {convention.reference}" in page and f"20{NNBSP}000{NBSP}€" in page
    assert "Télécharger la lettre" not in page
    assert client.get(letter_url(batch["cyber"])).status_code == 404
    assert client.get(reverse("portal_conventions:detail", args=[convention.pk])).status_code == 200


def test_nothing_is_shown_before_the_vote(client, batch):
    client.force_login(member_of(batch["jardins"], "jardins"))
    page = application_page(client, batch["gardens"])
    assert "Décision de la collectivité" not in page and "CS 001-27/BM" not in page
    assert client.get(letter_url(batch["gardens"])).status_code == 404


def test_another_associations_letter_answers_404(client, batch, agent):
    vote(batch, agent)
    assert Letter.objects.get(application=batch["gardens"]).kind == LetterKind.NOTIFICATION
    client.force_login(member_of(BeneficiaryFactory(), "intrus"))
    assert client.get(letter_url(batch["gardens"])).status_code == 404
    # nor to a member of the Pôle, on the same deliberation
    client.force_login(member_of(batch["pole"], "pole"))
    assert client.get(letter_url(batch["gardens"])).status_code == 404
    client.logout()
    response = client.get(letter_url(batch["gardens"]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
