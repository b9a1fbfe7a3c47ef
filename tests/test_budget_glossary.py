"""The Cerfa's words have a short plain-French help beside them on the portal's budget form (budgets/glossary.py)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.glossary import CHAPTER_TERMS, GLOSSARY
from conventions.models import Status
from tests.factories import BudgetFactory, ConventionFactory, MembershipFactory, add_balanced_lines

pytestmark = pytest.mark.django_db


def test_the_budget_form_explains_charges_products_and_contributions_in_kind(client):
    member = MembershipFactory().user
    convention = ConventionFactory(beneficiary=member.memberships.get().beneficiary, status=Status.DRAFT,
                                   amount_granted=Decimal("10000"))
    add_balanced_lines(BudgetFactory(convention=convention))
    client.force_login(member)
    page = client.get(reverse("portal_budgets:forecast", args=[convention.pk])).content.decode()
    assert "<summary>Que veut dire « charges » ?</summary>" in page
    assert "<summary>Que veut dire « produits » ?</summary>" in page
    assert "<summary>Que veut dire « contributions volontaires en nature (86 et 87) » ?</summary>" in page
    assert "le temps des bénévoles" in page  # the help itself, in plain French, not a link
    assert "<summary>Que veut dire « fonds propres » ?</summary>" in page
    assert "<summary>Que veut dire « équilibre du budget » ?</summary>" in page


def test_every_chapter_term_is_in_the_glossary_and_each_help_is_plain_text():
    assert set(CHAPTER_TERMS.values()) <= set(GLOSSARY)
    for term in GLOSSARY.values():
        assert "http" not in str(term.help) and str(term.help).endswith(".")
