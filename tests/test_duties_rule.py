"""The segregation-of-duties rule itself (beneficiaries.duties.review_conflict): who may not approve."""

import pytest
from django.contrib.auth.models import AnonymousUser

from beneficiaries.duties import review_conflict
from core.roles import AGENT
from tests.factories import BeneficiaryFactory, MembershipFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def association():
    return BeneficiaryFactory(name="Les Jardins du Canal")


@pytest.fixture
def agent(db):
    return staff_user("agent-regle", AGENT)


def test_who_deposited_an_item_may_not_approve_it(association, agent):
    assert review_conflict(agent, beneficiary=association, submitted_by=agent, what="ce budget") == (
        "Vous avez vous-même déposé ce budget : sa validation revient à une autre personne.")
    assert review_conflict(agent, beneficiary=association, submitted_by=agent) == (
        "Vous avez vous-même déposé cette demande : sa validation revient à une autre personne.")


def test_an_active_member_of_the_association_may_not_approve_what_it_sent(association, agent):
    MembershipFactory(user=agent, beneficiary=association)
    depositor = MembershipFactory(beneficiary=association).user
    assert review_conflict(agent, beneficiary=association, submitted_by=depositor) == (
        "Vous êtes membre de l'association « Les Jardins du Canal » : la validation de ce qui la concerne "
        "revient à une autre personne.")
    assert review_conflict(agent, beneficiary=association) is not None  # nobody recorded as depositor


def test_an_inactive_membership_or_another_association_does_not_block(association, agent):
    MembershipFactory(user=agent, beneficiary=association, is_active=False)
    MembershipFactory(user=agent, beneficiary=BeneficiaryFactory())
    depositor = MembershipFactory(beneficiary=association).user
    assert review_conflict(agent, beneficiary=association, submitted_by=depositor) is None
    assert review_conflict(agent, beneficiary=association) is None


def test_the_depositor_is_refused_even_after_leaving_the_association(association, agent):
    MembershipFactory(user=agent, beneficiary=association, is_active=False)
    assert "Vous avez vous-même déposé" in review_conflict(agent, beneficiary=association, submitted_by=agent)


def test_someone_not_signed_in_is_not_a_reviewer_for_this_rule(association):
    """The callers' permission checks refuse them; the rule has nothing to add."""
    assert review_conflict(AnonymousUser(), beneficiary=association, submitted_by=UserFactory()) is None
    assert review_conflict(None, beneficiary=association) is None
