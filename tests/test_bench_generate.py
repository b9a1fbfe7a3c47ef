"""The benchmark data generator, at a tiny scale, so that it cannot rot as the models change."""

from decimal import Decimal

import pytest

from bench import plans
from bench.generate import GenerationRefused, generate
from beneficiaries.identifiers import iban_is_valid, siret_is_valid
from beneficiaries.models import Beneficiary
from budgets.models import Budget, BudgetKind, BudgetLine
from budgets.rules import budget_totals
from conventions.models import Convention, Status
from finance.models import PaymentRequest
from finance.rules import schedule
from indicators.models import IndicatorReport

ASSOCIATIONS = 5


@pytest.fixture
def generated(db):
    return generate(associations=ASSOCIATIONS, chunk=2, progress=lambda *_: None)


def test_counts_follow_the_requested_scale(generated):
    agreements = ASSOCIATIONS * len(plans.YEARS)
    assert generated["beneficiaries.Beneficiary"] == ASSOCIATIONS
    assert generated["beneficiaries.Membership"] == ASSOCIATIONS
    assert generated["conventions.Convention"] == agreements
    assert Budget.objects.filter(kind=BudgetKind.FORECAST).count() == agreements
    assert BudgetLine.objects.filter(budget__kind=BudgetKind.FORECAST).count() == agreements * 30
    assert generated["finance.PaymentRequest"] > 0
    assert generated["documents.Document"] > 0
    assert IndicatorReport.objects.filter(values__isnull=False).exists()


def test_every_generated_budget_is_balanced_and_carries_the_amount_granted(generated):
    budgets = Budget.objects.select_related("convention")
    assert budgets.count() > ASSOCIATIONS * len(plans.YEARS)  # actual budgets too
    for budget in budgets:
        totals = budget_totals(budget)
        assert totals.is_balanced, (budget, totals)
        assert totals.charges > 0
        granting = budget.lines.get(is_granting_funder=True)
        assert granting.amount == budget.convention.amount_granted


def test_identifiers_and_rows_pass_the_models_validation(generated):
    for beneficiary in Beneficiary.objects.all():
        assert siret_is_valid(beneficiary.siret) and iban_is_valid(beneficiary.iban)
        beneficiary.full_clean()
    for convention in Convention.objects.all():
        convention.full_clean()
    for request in PaymentRequest.objects.select_related("convention"):
        request.full_clean()  # the advance stays under the cap


def test_closed_agreements_are_paid_exactly_their_final_grant(generated):
    closed = Convention.objects.filter(status=Status.CLOSED)
    assert closed.exists()
    for convention in closed:
        money = schedule(convention)
        assert money.final is not None
        assert money.paid - money.recovered == money.final
        assert money.paid <= money.granted


def test_the_generator_refuses_a_database_that_already_has_data(generated):
    with pytest.raises(GenerationRefused):
        generate(associations=1, progress=lambda *_: None)


def seeded(seed):
    import random

    return random.Random(seed)  # noqa: S311 - reproducible benchmark data, not cryptography


def test_plans_are_deterministic_and_balanced():
    first = plans.forecast_lines(seeded("42:1"), granted_cents=1_000_000, funder_label="Métropole", count=30)
    again = plans.forecast_lines(seeded("42:1"), granted_cents=1_000_000, funder_label="Métropole", count=30)
    assert first == again and len(first) == 30
    actual, _explanations = plans.actual_lines(seeded(7), first)
    for lines in (first, actual):
        charges = sum(line.cents for line in lines if line.code in plans.CHARGE_CODES)
        products = sum(line.cents for line in lines if line.code[:2] in {"70", "73", "74", "75", "76", "77"})
        assert charges == products
    assert plans.euros(123456) == Decimal("1234.56")
