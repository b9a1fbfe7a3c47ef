"""« Votre contact » on the portal: the agreement's instructing agent and its service's details,
with clear fallbacks when a part is unknown (conventions/contact.py)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from conventions.contact import agreement_contact, funder_contact
from conventions.models import Status
from conventions.services import convention_assign_agent
from tests.factories import ConventionFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement():
    convention = ConventionFactory(status=Status.ACTIVE, amount_granted=Decimal("10000"))
    funder = convention.funder
    funder.service_name, funder.service_address = "Direction de la vie associative", "BP 48014, 13567 Marseille"
    funder.service_phone, funder.email = "04 91 99 99 00", "subventions@metropole.invalid"
    funder.save()
    return convention


@pytest.fixture
def agent():
    return UserFactory(first_name="Antoine", last_name="MARTIN", is_staff=True)


def test_the_agreement_page_and_its_footer_name_the_agent_and_the_service(client, agreement, agent):
    convention_assign_agent(convention=agreement, agent=agent, user=agent)
    member = MembershipFactory(beneficiary=agreement.beneficiary).user
    client.force_login(member)
    page = client.get(reverse("portal_conventions:detail", args=[agreement.pk])).content.decode()
    line = ("<strong>Votre contact :</strong> Antoine MARTIN, Direction de la vie associative, "
            f"{agreement.funder.name}, BP 48014, 13567 Marseille, téléphone ")
    assert page.count(line) == 2  # on the page and in the footer
    assert 'href="tel:0491999900"' in page and 'href="mailto:subventions@metropole.invalid"' in page
    assert "None" not in page.split("<footer")[1] and "aucun agent désigné" not in page
    budget_page = client.get(reverse("portal_budgets:overview", args=[agreement.pk])).content.decode()
    assert line in budget_page.split("<footer")[1]


def test_the_change_of_agent_is_audited(agreement, agent):
    convention_assign_agent(convention=agreement, agent=agent, user=agent)
    record = agreement.history.latest()
    assert record.instructing_agent_id == agent.pk and record.history_user == agent
    assert record.history_change_reason == "Agent instructeur : Antoine MARTIN"


def test_a_non_staff_user_cannot_be_the_agent(agreement):
    with pytest.raises(Exception, match="membre actif du personnel"):
        convention_assign_agent(convention=agreement, agent=UserFactory(is_staff=False), user=None)


def test_unknown_parts_are_left_out_never_shown_empty(agreement):
    funder = agreement.funder
    funder.service_name = funder.service_address = funder.service_phone = funder.email = ""
    contact = agreement_contact(agreement)
    parts = contact.parts()
    assert parts[0] == f"service instructeur, {funder.name}"  # no agent: the service first
    assert parts[1] == f"{funder.address}, {funder.postal_code} {funder.city}"  # the funder's address
    assert len(parts) == 2 and not any("None" in part or part.endswith(" ") for part in parts)
    assert funder_contact(funder).agent == ""


def test_the_home_page_footer_gives_the_funder_of_the_association(client, agreement):
    member = MembershipFactory(beneficiary=agreement.beneficiary).user
    client.force_login(member)
    footer = client.get(reverse("portal:home")).content.decode().split("<footer")[1]
    assert "<strong>Votre contact :</strong> Direction de la vie associative" in footer
    assert "aucun agent désigné" not in footer  # the funder as a whole: its agreements may have several agents
