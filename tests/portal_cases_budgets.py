"""Tenant isolation cases of the budget pages (budgets/portal_urls.py); see tests/portal_cases.py."""

from budgets.models import BudgetKind
from tests.factories import BudgetFactory, add_balanced_lines
from tests.portal_cases import isolation_case


def _with_forecast(convention):
    add_balanced_lines(BudgetFactory(convention=convention))
    return {"convention_pk": convention.pk}


def _with_actual(convention):
    add_balanced_lines(BudgetFactory(convention=convention))
    add_balanced_lines(BudgetFactory(convention=convention, kind=BudgetKind.ACTUAL))
    return {"convention_pk": convention.pk}


isolation_case("portal_budgets:overview")(_with_forecast)
isolation_case("portal_budgets:forecast")(_with_forecast)
isolation_case("portal_budgets:forecast_import")(_with_forecast)
isolation_case("portal_budgets:actual")(_with_actual)
isolation_case("portal_budgets:actual_create", method="post")(_with_forecast)
isolation_case("portal_budgets:actual_import")(_with_actual)


@isolation_case("portal_budgets:forecast_export")
def _forecast_export(convention):
    return {**_with_forecast(convention), "fmt": "xlsx"}


@isolation_case("portal_budgets:actual_export")
def _actual_export(convention):
    return {**_with_actual(convention), "fmt": "csv"}


@isolation_case("portal_budgets:template")
def _template(convention):
    return {**_with_forecast(convention), "fmt": "xlsx"}
