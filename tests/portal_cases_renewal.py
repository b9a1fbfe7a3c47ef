"""Tenant isolation case of the renewal's portal page (dossier/portal_conventions_urls.py); see tests/portal_cases.py."""

from conventions.models import Convention, Status
from tests.factories import BudgetFactory, ConventionFactory, add_balanced_lines
from tests.portal_cases import isolation_case


@isolation_case("portal_conventions:renewal_budget_copy", method="post")
def _renewal_budget_copy(convention):
    Convention.objects.filter(pk=convention.pk).update(status=Status.CLOSED)
    add_balanced_lines(BudgetFactory(convention=convention))
    renewal = ConventionFactory(beneficiary=convention.beneficiary, funder=convention.funder, fiscal_year=2026,
                                renewed_from=convention, amount_granted=None)
    return {"convention_pk": renewal.pk}
