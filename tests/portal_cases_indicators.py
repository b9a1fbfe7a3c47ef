"""Tenant isolation cases of the indicator pages (indicators/portal_urls.py); see tests/portal_cases.py."""

from indicators.services import indicator_report_open
from tests.factories import indicator_set_for_tests
from tests.portal_cases import isolation_case


def _report(convention):
    indicator_set = indicator_set_for_tests(year=convention.fiscal_year, name=f"Jeu {convention.reference}")
    return indicator_report_open(convention=convention, indicator_set=indicator_set)


@isolation_case("portal_indicators:report_list")
def _report_list(convention):
    _report(convention)
    return {"convention_pk": convention.pk}


@isolation_case("portal_indicators:report_form")
def _report_form(convention):
    report = _report(convention)
    return {"convention_pk": convention.pk, "year": report.year}
