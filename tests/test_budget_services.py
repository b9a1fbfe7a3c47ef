"""The budget's life: draft, submission (balanced only), return, validation; the actual budget."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError

from budgets.models import Budget, BudgetKind, BudgetLine, BudgetStatus
from budgets.rules import budget_totals, budget_variances
from budgets.services import (
    LineInput,
    budget_create_actual,
    budget_return,
    budget_save_lines,
    budget_submit,
    budget_validate,
)
from conventions.models import Status
from demo.demo import SEED_FORECAST_LINES
from tests.factories import BudgetFactory, ConventionFactory, UserFactory, add_balanced_lines


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def reviewer(db):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_budget"))
    return user


def refusal(call) -> list[str]:
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.messages


def test_a_balanced_budget_passes_submission_and_is_audited(member):
    budget = add_balanced_lines(BudgetFactory())
    budget_submit(budget=budget, user=member)
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.SUBMITTED
    record = budget.history.first()
    assert (record.history_user, record.history_change_reason) == (member, "Dépôt par l'association")


def test_the_seed_budget_is_refused_with_its_gap_in_euros(member):
    budget = BudgetFactory()
    budget_save_lines(budget=budget, lines=SEED_FORECAST_LINES, user=member)
    assert refusal(lambda: budget_submit(budget=budget, user=member)) == [
        "Le budget n'est pas équilibré : les charges dépassent les produits de 793\u00a0€."
    ]
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.DRAFT


def test_an_empty_budget_cannot_be_submitted(member):
    assert "Le budget est vide" in refusal(lambda: budget_submit(budget=BudgetFactory(), user=member))[0]


def test_draft_save_matches_lines_on_account_and_label(member):
    budget = add_balanced_lines(BudgetFactory())
    salaries = budget.lines.get(label="Salaires")
    budget_save_lines(budget=budget, user=member, lines=[
        LineInput("641", Decimal("6500"), "Salaires"), LineInput("606", Decimal("12.50"), ""),
    ])
    lines = {(line.code, line.label): line for line in budget.lines.all()}
    assert set(lines) == {("641", "Salaires"), ("606", "Autres fournitures")}  # default label from the chart
    assert lines[("641", "Salaires")].pk == salaries.pk and lines[("641", "Salaires")].amount == Decimal("6500")
    assert salaries.history.count() == 2  # created, then changed: one audit record per real change
    budget.refresh_from_db()
    assert budget.version == 2


@pytest.mark.parametrize(
    "lines, message",
    [
        ([LineInput("999", Decimal("1"))], "Le compte « 999 » n'existe pas dans le plan du Cerfa."),
        ([LineInput("641", Decimal("-1"), "Salaires")], "Le montant de la ligne « 641 Salaires » ne peut pas être négatif."),
        ([LineInput("641", Decimal("1"), "A"), LineInput("641", Decimal("2"), "A")], "La ligne « 641 A » figure deux fois."),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_saved(member, lines, message):
    budget = add_balanced_lines(BudgetFactory())
    assert message in refusal(lambda: budget_save_lines(budget=budget, lines=lines, user=member))
    assert budget.lines.count() == 5 and budget_totals(budget).charges == Decimal("10000")


def test_a_submitted_budget_is_read_only_until_returned(member, reviewer):
    budget = add_balanced_lines(BudgetFactory())
    budget_submit(budget=budget, user=member)
    message = refusal(lambda: budget_save_lines(budget=budget, lines=[], user=member))[0]
    assert message == ("Ce budget est déposé : il ne peut plus être modifié tant que le service instructeur ne l'a "
                       "pas renvoyé pour correction.")
    assert budget.lines.count() == 5
    budget_return(budget=budget, user=reviewer, comment="Précisez le loyer.")
    budget.refresh_from_db()
    assert (budget.status, budget.review_comment) == (BudgetStatus.RETURNED, "Précisez le loyer.")
    budget_save_lines(budget=budget, lines=[LineInput("641", Decimal("1"))], user=member)
    assert budget.lines.count() == 1


def test_a_stale_page_cannot_overwrite_a_newer_save(member):
    budget = add_balanced_lines(BudgetFactory())
    budget_save_lines(budget=budget, lines=[LineInput("641", Decimal("1"))], user=member, expected_version=1)
    assert "modifié par quelqu'un d'autre" in refusal(
        lambda: budget_save_lines(budget=budget, lines=[LineInput("641", Decimal("2"))], user=member, expected_version=1)
    )[0]


def test_only_staff_return_or_validate_and_a_return_says_why(member, reviewer):
    budget = add_balanced_lines(BudgetFactory())
    budget_submit(budget=budget, user=member)
    assert refusal(lambda: budget_validate(budget=budget, user=member)) == [
        "Seul le service instructeur peut valider ou renvoyer un budget."]
    assert refusal(lambda: budget_return(budget=budget, user=reviewer, comment="  ")) == [
        "Indiquez à l'association ce qu'elle doit corriger."]
    budget_validate(budget=budget, user=reviewer)
    budget.refresh_from_db()
    assert budget.status == BudgetStatus.VALIDATED
    assert refusal(lambda: budget_validate(budget=budget, user=reviewer)) == ["Seul un budget déposé peut être validé."]
    assert budget.history.first().history_user == reviewer


def test_a_draft_cannot_be_returned(reviewer):
    assert refusal(lambda: budget_return(budget=BudgetFactory(), user=reviewer, comment="Non")) == [
        "Seul un budget déposé ou validé peut être renvoyé à l'association."]


# --- The actual budget -----------------------------------------------------------------------------


@pytest.fixture
def signed_convention(db):
    convention = ConventionFactory(status=Status.ACTIVE)
    add_balanced_lines(BudgetFactory(convention=convention, status=BudgetStatus.VALIDATED))
    return convention


def test_the_actual_budget_mirrors_the_forecast_with_amounts_to_fill(signed_convention, member):
    actual = budget_create_actual(convention=signed_convention, user=member)
    assert actual.kind == BudgetKind.ACTUAL and actual.status == BudgetStatus.DRAFT
    lines = list(actual.lines.in_chart_order().values_list("code", "label", "amount", "is_granting_funder"))
    assert lines == [
        ("613", "Loyer", Decimal("0.00"), False), ("641", "Salaires", Decimal("0.00"), False),
        ("864", "Bénévolat", Decimal("0.00"), False), ("744", "Métropole Aix-Marseille-Provence", Decimal("0.00"), True),
        ("870", "Bénévoles", Decimal("0.00"), False),
    ]
    assert refusal(lambda: budget_create_actual(convention=signed_convention, user=member)) == [
        "Le compte rendu financier de cette convention existe déjà."]


def test_no_actual_budget_before_signature(member):
    convention = ConventionFactory(status=Status.IN_REVIEW)
    add_balanced_lines(BudgetFactory(convention=convention))
    assert refusal(lambda: budget_create_actual(convention=convention, user=member)) == [
        "Le compte rendu financier ne peut être établi qu'une fois la convention signée."]
    assert not Budget.objects.filter(kind=BudgetKind.ACTUAL).exists()


def _actual_lines(salaries="6000", rent="4000", explanation=""):
    return [
        LineInput("641", Decimal(salaries), "Salaires", explanation=explanation),
        LineInput("613", Decimal(rent), "Loyer"),
        LineInput("864", Decimal("500"), "Bénévolat"),
        LineInput("744", Decimal("10000"), "Métropole Aix-Marseille-Provence", "obtained", True),
        LineInput("870", Decimal("500"), "Bénévoles"),
    ]


def test_an_actual_budget_needs_explanations_above_the_threshold(signed_convention, member):
    actual = budget_create_actual(convention=signed_convention, user=member)
    budget_save_lines(budget=actual, lines=_actual_lines(salaries="7500", rent="2500"), user=member)
    messages = refusal(lambda: budget_submit(budget=actual, user=member))
    assert messages == [
        "Expliquez l'écart de la ligne « 613 Loyer » (-1\u202f500\u00a0€, -37,50\u00a0% ; seuil : 15 %).",
        "Expliquez l'écart de la ligne « 641 Salaires » (1\u202f500\u00a0€, 25,00\u00a0% ; seuil : 15 %).",
    ]
    lines = _actual_lines(salaries="7500", rent="2500", explanation="Embauche d'un animateur")
    lines[1] = LineInput("613", Decimal("2500"), "Loyer", explanation="Local partagé avec une autre association")
    budget_save_lines(budget=actual, lines=lines, user=member)
    budget_submit(budget=actual, user=member)
    actual.refresh_from_db()
    assert actual.status == BudgetStatus.SUBMITTED
    assert budget_variances(signed_convention).missing_explanations == []


def test_an_unbalanced_actual_budget_is_refused_with_the_gap(signed_convention, member):
    actual = budget_create_actual(convention=signed_convention, user=member)
    budget_save_lines(budget=actual, lines=_actual_lines(salaries="6100", explanation=""), user=member)
    assert refusal(lambda: budget_submit(budget=actual, user=member)) == [
        "Le budget n'est pas équilibré : les charges dépassent les produits de 100\u00a0€."]
    assert BudgetLine.objects.filter(budget=actual).count() == 5
