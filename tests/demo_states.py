"""What the page walks (the hostile suite's, the accessibility one's) add to the demo to reach every
page: a deposit ready to confirm, the confirmation pages of each draft."""

from django.urls import reverse

from budgets.models import Budget, BudgetKind, BudgetStatus
from budgets.services import budget_create_actual
from indicators.models import IndicatorReport, ReportStatus


def actual_at_forecast(convention, user) -> Budget:
    """Create ``convention``'s actual budget from the portal, each line at its forecast amount: no
    variance to explain, so its deposit may be confirmed."""
    actual = budget_create_actual(convention=convention, user=user)
    for line in actual.lines.exclude(forecast_line=None).select_related("forecast_line"):
        line.amount = line.forecast_line.amount
        line.save()
    return actual


def confirmation_pages(user) -> list[str]:
    """The confirmation page of each draft budget and indicator report of ``user``'s agreements
    (reached by posting « Déposer » or « Transmettre », not by a link)."""
    pages = []
    for budget in Budget.objects.filter(convention__beneficiary__memberships__user=user, status=BudgetStatus.DRAFT,
                                        year=None):
        name = "portal_budgets:actual_submit" if budget.kind == BudgetKind.ACTUAL else "portal_budgets:forecast_submit"
        pages.append(reverse(name, args=[budget.convention_id]))
    for report in IndicatorReport.objects.filter(convention__beneficiary__memberships__user=user,
                                                 status=ReportStatus.DRAFT):
        pages.append(reverse("portal_indicators:report_submit", args=[report.convention_id, report.year]))
    return pages
