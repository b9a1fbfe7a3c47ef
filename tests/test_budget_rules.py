"""The seed's figures computed by the domain code (DOMAIN.md §10)."""

from decimal import Decimal

import pytest

from budgets import chart
from budgets.models import BudgetKind, BudgetLine, FundingStatus
from budgets.rules import (
    GrantingLineState,
    balance_message,
    budget_report,
    budget_totals,
    budget_variances,
    chapter_subtotals,
    cofunders,
    granting_funder_warning,
    granting_line_check,
    needs_explanation,
    totals_from_annotations,
)
from budgets.selectors import with_budget_totals
from compliance.consistency import consistency_findings
from conventions.models import Amendment, AmendmentStatus, Convention
from core.money import format_percent
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    ConventionFactory,
    FunderFactory,
    balanced_forecast,
)


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
    annotated = with_budget_totals(Convention.objects).get(pk=seed_convention.pk)
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


# --- Chapters, co-funders, warnings ------------------------------------------------------------



def test_seed_chapter_subtotals_follow_the_printed_annex_in_one_query(seed_convention, django_assert_num_queries):
    budget = seed_convention.budgets.get(kind=BudgetKind.FORECAST)
    with django_assert_num_queries(1):
        chapters = {c.code: c.amount for c in chapter_subtotals(budget)}
    assert list(chapters) == [ch.code for ch in chart.CHAPTERS]
    assert chapters["62"] == Decimal("85110") + Decimal("34454") + Decimal("62557") + Decimal("5863") + Decimal("8040")
    assert chapters["64"] == Decimal("686416")
    assert chapters["74"] == Decimal("519993")
    assert chapters["65"] == 0


def test_seed_cofunders_come_from_chapter_74_with_their_nature(seed_convention, django_assert_num_queries):
    budget = seed_convention.budgets.get(kind=BudgetKind.FORECAST)
    with django_assert_num_queries(1):
        funders = cofunders(budget)
    assert [(f.code, f.label, f.amount) for f in funders] == [
        ("741", "DGA", Decimal("40000")),
        ("742", "Région Sud (dont transfert État-Région : 161 609 €)", Decimal("368993")),
        ("744", "Métropole Aix-Marseille-Provence", Decimal("66000")),
        ("745", "CASA", Decimal("25000")),
        ("745", "PM", Decimal("20000")),
    ]
    assert all(f.is_public and f.nature == "public" for f in funders)
    assert [f.label for f in funders if f.is_granting_funder] == ["Métropole Aix-Marseille-Provence"]
    assert funders[0].funding_status_label == "Demandé"


def test_private_aid_is_a_private_cofunder(db):
    budget = BudgetFactory()
    BudgetLineFactory(budget=budget, code="740", label="Fondation X", amount=Decimal("5000"),
                      funding_status=FundingStatus.OBTAINED)
    [funder] = cofunders(budget)
    assert not funder.is_public and funder.nature == "privé" and funder.funding_status_label == "Obtenu"


def test_the_gap_is_given_in_euros_in_french(seed_convention):
    totals = budget_totals(seed_convention.budgets.get(kind=BudgetKind.FORECAST))
    assert balance_message(totals) == "Le budget n'est pas équilibré : les charges dépassent les produits de 793\u00a0€."


def test_produits_above_charges_and_in_kind_gap_are_both_reported(db):
    budget = BudgetFactory()
    BudgetLineFactory(budget=budget, code="641", amount=Decimal("1000"))
    BudgetLineFactory(budget=budget, code="756", amount=Decimal("1250.50"))
    BudgetLineFactory(budget=budget, code="864", amount=Decimal("100"))
    message = balance_message(budget_totals(budget))
    assert "les produits dépassent les charges de 250,50\u00a0€" in message
    assert "les emplois des contributions en nature (86) dépassent les ressources (87) de 100\u00a0€" in message


def test_granting_funder_line_must_equal_the_amount_granted(seed_convention):
    budget = seed_convention.budgets.get(kind=BudgetKind.FORECAST)
    assert granting_funder_warning(granting_line_check(cofunders(budget), Decimal("66000"))) is None
    check = granting_line_check(cofunders(budget), Decimal("60000"))
    assert check.state == GrantingLineState.DIFFERENT and check.difference == Decimal("-6000")
    assert granting_funder_warning(check) == (
        "La ligne de la collectivité attribuante (« Métropole Aix-Marseille-Provence ») indique 66\u202f000\u00a0€, "
        "alors que la subvention attribuée est de 60\u202f000\u00a0€.")
    assert "Aucune ligne du chapitre 74" in granting_funder_warning(granting_line_check([], Decimal("66000")))


def test_two_lines_marked_as_the_granting_funder_are_flagged_even_when_they_add_up(db):
    convention = ConventionFactory(amount_granted=Decimal("10000"))
    budget = balanced_forecast(convention, granted=Decimal("6000"))
    BudgetLineFactory(budget=budget, code="744", label="Métropole (bis)", amount=Decimal("4000"), is_granting_funder=True)
    check = granting_line_check(cofunders(budget), convention.amount_granted)
    assert (check.state, check.amount) == (GrantingLineState.SEVERAL, Decimal("10000"))
    message = "Plusieurs lignes du chapitre 74 sont marquées comme celle de la collectivité attribuante : une seule doit l'être."
    assert granting_funder_warning(check) == message
    assert by_code(convention)["granting_funder_line"].message == message  # the consistency checks say the same


def test_seed_report_warns_of_the_gap_and_of_the_printed_totals(seed_convention, django_assert_num_queries):
    budget = seed_convention.budgets.select_related("convention").get(kind=BudgetKind.FORECAST)
    with django_assert_num_queries(3):
        report = budget_report(budget)
    assert report.warnings == [
        "Le budget n'est pas équilibré : les charges dépassent les produits de 793\u00a0€.",
        "Le total des charges imprimé (953\u202f530\u00a0€) diffère du total calculé (954\u202f123\u00a0€) de 593\u00a0€.",
        "Le total des produits imprimé (953\u202f530\u00a0€) diffère du total calculé (953\u202f330\u00a0€) de 200\u00a0€.",
    ]


def test_a_printed_total_that_includes_in_kind_contributions_is_not_flagged(db):
    """The one comparison (``declared_total_gaps``): the budget page agrees with the consistency checks."""
    budget = BudgetFactory(convention__amount_granted=Decimal("1000"),
                           declared_total_charges=Decimal("1200"), declared_total_products=Decimal("1000"))
    for code, amount in (("641", "1000"), ("864", "200"), ("870", "200")):
        BudgetLineFactory(budget=budget, code=code, amount=Decimal(amount))
    BudgetLineFactory(budget=budget, code="744", amount=Decimal("1000"), is_granting_funder=True)
    assert budget_report(budget).warnings == []  # 1 200 with in-kind, 1 000 without: both are right
    budget.declared_total_charges = Decimal("1100")
    assert budget_report(budget).warnings == [
        "Le total des charges imprimé (1\u202f100\u00a0€) diffère du total calculé (1\u202f000\u00a0€) de 100\u00a0€."]


def test_the_granting_line_of_the_actual_budget_must_show_the_amount_in_force(db):
    """A signed amendment raises 10 000 € to 12 000 €: the actual budget reports the 12 000 € obtained;
    the forecast, annex I of what was signed, keeps the 10 000 € first granted."""
    convention = ConventionFactory(amount_granted=Decimal("10000"))
    Amendment.objects.create(convention=convention, number=1, subject="Hausse", text="Hausse.",
                             amount_change=Decimal("2000"), status=AmendmentStatus.SIGNED)
    Amendment.objects.create(convention=convention, number=2, subject="Hausse", text="Hausse.",
                             amount_change=Decimal("500"))  # a draft: it does not count
    forecast = balanced_forecast(convention)
    actual = BudgetFactory(convention=convention, kind=BudgetKind.ACTUAL)
    BudgetLineFactory(budget=actual, code="641", amount=Decimal("100000"))
    line = BudgetLineFactory(budget=actual, code="744", label="Métropole", amount=Decimal("10000"), is_granting_funder=True)
    other = BudgetLineFactory(budget=actual, code="756", amount=Decimal("90000"))
    assert budget_report(forecast).warnings == []
    assert budget_report(actual).warnings == [
        "La ligne de la collectivité attribuante (« Métropole ») indique 10\u202f000\u00a0€, "
        "alors que la subvention attribuée est de 12\u202f000\u00a0€."]
    BudgetLine.objects.filter(pk=line.pk).update(amount=Decimal("12000"))
    BudgetLine.objects.filter(pk=other.pk).update(amount=Decimal("88000"))
    assert budget_report(actual).warnings == []


# --- Variances (Cerfa 15059) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "forecast, actual, threshold, expected",
    [
        ("1000", "1150", "15", False),  # exactly 15 %: not above the threshold
        ("1000", "1150.01", "15", True),
        ("1000", "849.99", "15", True),
        ("1000", "850", "15", False),
        ("0", "10", "15", True),  # not forecast at all
        ("0", "0", "15", False),
        ("1000", "1100", "5", True),
    ],
)
def test_a_line_needs_an_explanation_above_the_threshold(forecast, actual, threshold, expected):
    assert needs_explanation(Decimal(forecast), Decimal(actual), Decimal(threshold)) is expected


def by_code(convention):
    return {finding.code: finding for finding in consistency_findings(convention)}


def _known_example():
    """A forecast and an actual budget whose variances are worked out by hand."""
    convention = ConventionFactory(funder=FunderFactory(variance_threshold_percent=Decimal("15")))
    forecast = BudgetFactory(convention=convention, kind=BudgetKind.FORECAST)
    actual = BudgetFactory(convention=convention, kind=BudgetKind.ACTUAL)
    for budget, amounts in ((forecast, ("10000", "4000", "500", "8000", "6500")),
                            (actual, ("12500", "3800", None, "8000", "8300"))):
        for (code, label), amount in zip(
            [("641", "Salaires"), ("613", "Loyer"), ("623", "Affiches"), ("744", "Métropole"), ("756", "Cotisations")],
            amounts, strict=True,
        ):
            if amount is not None:
                BudgetLineFactory(budget=budget, code=code, label=label, amount=Decimal(amount),
                                  explanation="Embauche" if budget is actual and code == "641" else "")
    BudgetLineFactory(budget=actual, code="625", label="Déplacements", amount=Decimal("300"))
    return convention


def test_variances_per_line_and_per_chapter_on_a_known_example(db, django_assert_num_queries):
    convention = _known_example()
    with django_assert_num_queries(3):
        variances = budget_variances(convention)
    by_label = {v.label: v for v in variances.lines}
    assert [v.code for v in variances.lines] == ["613", "623", "625", "641", "744", "756"]  # the form's order
    salaries = by_label["Salaires"]
    assert (salaries.difference, salaries.percent) == (Decimal("2500"), Decimal("0.25"))
    assert salaries.needs_explanation and not salaries.missing_explanation
    rent = by_label["Loyer"]
    assert (rent.difference, rent.percent, rent.needs_explanation) == (Decimal("-200"), Decimal("-0.05"), False)
    posters = by_label["Affiches"]  # forecast, not spent
    assert (posters.actual, posters.percent, posters.missing_explanation) == (0, Decimal("-1"), True)
    travel = by_label["Déplacements"]  # spent, not forecast
    assert (travel.forecast, travel.percent, travel.missing_explanation) == (0, None, True)
    assert by_label["Métropole"].difference == 0
    assert [v.label for v in variances.missing_explanations] == ["Affiches", "Déplacements", "Cotisations"]

    chapters = {c.chapter.code: c for c in variances.chapters}
    assert (chapters["62"].forecast, chapters["62"].actual, chapters["62"].difference) == (
        Decimal("500"), Decimal("300"), Decimal("-200"))
    assert chapters["62"].percent == Decimal("-0.4")
    assert (chapters["64"].difference, chapters["64"].percent) == (Decimal("2500"), Decimal("0.25"))
    assert variances.block("charges").forecast == Decimal("14500")
    assert variances.block("charges").actual == Decimal("16600")
    assert variances.eligible_expenses.actual == Decimal("16600")
    assert [chapter.chapter.code for chapter, _lines in variances.groups] == ["61", "62", "64", "74", "75"]


def test_the_threshold_is_the_funders(db):
    convention = _known_example()
    convention.funder.variance_threshold_percent = Decimal("30")
    convention.funder.save()
    variances = budget_variances(convention)
    assert variances.threshold == Decimal("30")
    assert [v.label for v in variances.missing_explanations] == ["Affiches", "Déplacements"]
