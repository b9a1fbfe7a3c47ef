"""Tenant isolation cases of the portal's confirmation pages (task « portal »); see tests/portal_cases.py."""

from budgets.models import BudgetKind
from tests.factories import BudgetFactory, add_balanced_lines
from tests.portal_cases import isolation_case
from tests.portal_cases_indicators import _report


@isolation_case("portal_budgets:forecast_submit")
def _forecast_submit(convention):
    add_balanced_lines(BudgetFactory(convention=convention))
    return {"convention_pk": convention.pk}


@isolation_case("portal_budgets:actual_submit")
def _actual_submit(convention):
    add_balanced_lines(BudgetFactory(convention=convention))
    add_balanced_lines(BudgetFactory(convention=convention, kind=BudgetKind.ACTUAL))
    return {"convention_pk": convention.pk}


@isolation_case("portal_indicators:report_submit")
def _report_submit(convention):
    report = _report(convention)
    return {"convention_pk": convention.pk, "year": report.year}
