"""The seed's figures computed by the domain code (DOMAIN.md §10)."""

from decimal import Decimal

from budgets.models import BudgetKind
from budgets.rules import budget_totals, totals_from_annotations
from conventions.models import Convention
from conventions.money import format_percent

from .factories import BudgetFactory, BudgetLineFactory


def test_seed_budget_totals_are_computed_not_printed(seed_convention):
    budget = seed_convention.budgets.get(kind=BudgetKind.FORECAST)
    totals = budget_totals(budget)
    assert totals.charges == Decimal("954123")
    assert totals.products == Decimal("953330")
    assert totals.gap == Decimal("793")
    assert totals.in_kind_charges == totals.in_kind_products == Decimal("210000")
    assert not totals.is_balanced
    # The printed totals stay what the document said, for the consistency checks.
    assert budget.declared_total_charges == Decimal("953530")


def test_seed_funder_share_excludes_in_kind_contributions(seed_convention):
    totals = budget_totals(seed_convention.budgets.get(kind=BudgetKind.FORECAST))
    assert format_percent(totals.funder_share(seed_convention.amount_granted)) == "6,92\u00a0%"
    assert format_percent(totals.funder_share_with_in_kind(seed_convention.amount_granted)) == "5,67\u00a0%"


def test_list_annotations_give_the_same_totals_as_the_rule(seed_convention):
    annotated = Convention.objects.with_budget_totals().get(pk=seed_convention.pk)
    assert totals_from_annotations(annotated) == budget_totals(seed_convention.budgets.get(kind=BudgetKind.FORECAST))


def test_a_balanced_budget_is_balanced(db):
    budget = BudgetFactory()
    BudgetLineFactory(budget=budget, code="641", amount=Decimal("1000.50"))
    BudgetLineFactory(budget=budget, code="744", amount=Decimal("400.25"))
    BudgetLineFactory(budget=budget, code="756", amount=Decimal("600.25"))
    BudgetLineFactory(budget=budget, code="864", amount=Decimal("50"))
    BudgetLineFactory(budget=budget, code="870", amount=Decimal("50"))
    totals = budget_totals(budget)
    assert totals.gap == 0 and totals.is_balanced
    assert totals.total_charges == Decimal("1050.50")


def test_an_empty_budget_has_zero_totals_and_no_share(db):
    totals = budget_totals(BudgetFactory())
    assert totals.charges == 0
    assert totals.funder_share(Decimal("1000")) is None
