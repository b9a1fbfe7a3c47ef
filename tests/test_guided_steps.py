"""Guided steps: an association's page lists its agreements; an agreement's page links straight to what it needs."""

import re
from html import unescape

import pytest
from django.urls import reverse

from budgets.models import BudgetStatus
from conventions.models import Amendment, AmendmentStatus, Status
from core.roles import AGENT
from tests.factories import BeneficiaryFactory, BudgetFactory, ConventionFactory, staff_user

pytestmark = pytest.mark.django_db
NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.fixture
def agent_client(client):
    client.force_login(staff_user("agent-etapes", AGENT))
    return client


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_the_association_page_lists_its_agreements_with_the_amount_in_force(agent_client):
    association = BeneficiaryFactory(name="Les Jardins du Canal")
    agreement = ConventionFactory(beneficiary=association, reference="AMP-2025-ENV-JDC", title="Jardins partagés",
                                  status=Status.SIGNED)
    Amendment.objects.create(convention=agreement, number=1, subject="Plus", amount_change=500,
                             status=AmendmentStatus.SIGNED)
    ConventionFactory(reference="AMP-2025-AUTRE")  # another association's
    page = _page(agent_client, reverse("admin:beneficiaries_beneficiary_change", args=[association.pk]))
    block = page[page.index('id="association-agreements"'):]
    link = reverse("admin:conventions_convention_change", args=[agreement.pk])
    assert f'<a href="{link}">AMP-2025-ENV-JDC</a>' in block
    assert "Jardins partagés" in block and "Signée" in block and "2025" in block
    assert f"10{NNBSP}500{NBSP}€" in block  # 10 000 € granted + 500 € of the signed amendment
    assert "AMP-2025-AUTRE" not in page


def test_nouvelle_convention_opens_the_add_form_with_the_association_filled_in(agent_client):
    association = BeneficiaryFactory()
    page = _page(agent_client, reverse("admin:beneficiaries_beneficiary_change", args=[association.pk]))
    assert "Aucune convention pour l’instant." in page
    url = re.search(r'<a class="button" href="([^"]+)">Nouvelle convention</a>', page).group(1)
    assert url == f"{reverse('admin:conventions_convention_add')}?beneficiary={association.pk}"
    form = agent_client.get(url).context["adminform"].form
    assert form.initial["beneficiary"] == str(association.pk)


@pytest.mark.parametrize("url_name, label", [
    ("admin:budgets_budget_add", "Ajouter un budget"),
    ("admin:indicators_indicatorreport_add", "Ajouter un rapport d’indicateurs"),
    ("admin:documents_document_add", "Ajouter un justificatif"),
])
def test_the_agreement_page_adds_straight_to_the_agreement(agent_client, url_name, label):
    agreement = ConventionFactory()
    page = _page(agent_client, reverse("admin:conventions_convention_change", args=[agreement.pk]))
    url = f"{reverse(url_name)}?convention={agreement.pk}"
    assert f'<a class="addlink" href="{url}">{label}</a>' in page
    form = agent_client.get(url).context["adminform"].form
    assert form.initial["convention"] == str(agreement.pk)


def _next_steps(page):
    """Return the steps' titles in order, and each requirement's line as the page reads it."""
    block = page[page.index('id="next-steps"'):]
    block = block[:block.index("</fieldset>")]
    titles = re.findall(r"<strong>(.*?)</strong>", block)
    lines = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip()
             for item in re.findall(r'<li class="requirement-[^"]*">(.*?)</li>', block, re.S)]
    return titles, lines


def test_next_steps_follow_the_requirements_in_order_and_change_when_one_is_met(agent_client):
    agreement = ConventionFactory(status=Status.DRAFT)
    url = reverse("admin:conventions_convention_change", args=[agreement.pk])
    titles, lines = _next_steps(_page(agent_client, url))
    assert titles == ["Déposer le dossier", "Commencer l'instruction", "Enregistrer le vote",
                      "Enregistrer les signatures", "Notifier la convention", "Ouvrir la justification",
                      "Solder et clôturer"]
    assert lines[0] == "à faire : Budget prévisionnel déposé — Le budget prévisionnel n'est pas encore saisi."
    budget = BudgetFactory(convention=agreement, status=BudgetStatus.SUBMITTED)
    titles, lines = _next_steps(_page(agent_client, url))
    assert lines[0] == "✓ Budget prévisionnel déposé"
    assert "à faire : Budget prévisionnel validé" in lines  # the vote's, listed after
    budget.status = BudgetStatus.VALIDATED
    budget.save()
    assert "✓ Budget prévisionnel validé" in _next_steps(_page(agent_client, url))[1]
    agreement.status = Status.IN_REVIEW
    agreement.save()
    assert _next_steps(_page(agent_client, url))[0][0] == "Enregistrer le vote"


def test_a_closed_agreement_has_no_next_step(agent_client):
    agreement = ConventionFactory(status=Status.CLOSED)
    page = _page(agent_client, reverse("admin:conventions_convention_change", args=[agreement.pk]))
    assert 'id="next-steps"' not in page
