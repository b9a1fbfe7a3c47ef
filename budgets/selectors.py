"""Queries that read agreements together with their budgets (the staff lists, compliance)."""

from decimal import Decimal

from django.db import models
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from budgets.models import Budget, BudgetKind, BudgetLine
from budgets.rules import UNKNOWN, block_filters
from core.money import MONEY

#: The budget that stands for the agreement: a one-year agreement's, a multi-year agreement's first year.
AGREEMENT_BUDGET = Q(budget__year__isnull=True) | Q(budget__year=OuterRef("fiscal_year"))


def with_budget_totals(queryset):
    """Annotate each agreement of ``queryset`` with its forecast budget's totals, in the same query.

    Each total adds up the known amounts; ``forecast_unknown_amounts`` counts the lines « non renseigné ».
    """
    annotations = {}
    for name, condition in block_filters().items():
        lines = (
            BudgetLine.objects.filter(condition, AGREEMENT_BUDGET, budget__convention=OuterRef("pk"),
                                      budget__kind=BudgetKind.FORECAST)
            .order_by()
            .values("budget__convention")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        annotations[f"forecast_{name}"] = Coalesce(
            Subquery(lines, output_field=models.DecimalField(**MONEY)),
            Value(Decimal("0.00")),
            output_field=models.DecimalField(**MONEY),
        )
    unknown = (
        BudgetLine.objects.filter(UNKNOWN, AGREEMENT_BUDGET, budget__convention=OuterRef("pk"),
                                  budget__kind=BudgetKind.FORECAST)
        .order_by().values("budget__convention").annotate(count=Count("pk")).values("count")
    )
    annotations["forecast_unknown_amounts"] = Coalesce(Subquery(unknown, output_field=IntegerField()), Value(0),
                                                       output_field=IntegerField())
    return queryset.annotate(**annotations)


def conventions_for_list(queryset):
    """Bundle what the staff lists of agreements show: parties, forecast totals, amount in force."""
    return with_budget_totals(queryset.select_related("beneficiary", "funder")).with_amount_in_force()


def previous_forecast(convention, year: int | None = None):
    """Return the forecast budget the association had the year before ``convention``'s (of ``year``), or None.

    For a later year of a multi-year agreement, the same agreement's previous year; otherwise the
    agreement it renews, or else the association's agreement of the previous exercise with the
    same funder. Only a budget with lines counts: there must be something to take over.
    """
    budgets = Budget.objects.filter(kind=BudgetKind.FORECAST, lines__isnull=False).distinct()
    if year is not None and year > convention.fiscal_year:
        return budgets.filter(convention_id=convention.pk, year=year - 1).first()
    latest = (F("year").desc(nulls_last=True), "-convention_id")  # a multi-year agreement's last year
    if convention.renewed_from_id is not None:
        return budgets.filter(convention_id=convention.renewed_from_id).order_by(*latest).first()
    return (budgets.filter(convention__beneficiary_id=convention.beneficiary_id, convention__funder_id=convention.funder_id,
                           convention__fiscal_year=convention.fiscal_year - 1)
            .exclude(convention_id=convention.pk).order_by(*latest).first())
