"""Budget rules in one place: totals, balance, the funder's share (DOMAIN.md §4–5).

Every total is computed here, from the lines, in the database; nothing else adds up a budget.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Q, Sum

from conventions.money import ZERO, ratio

from . import chart

BLOCKS = {
    "charges": (chart.CHARGES, False),
    "products": (chart.PRODUCTS, False),
    "in_kind_charges": (chart.CHARGES, True),
    "in_kind_products": (chart.PRODUCTS, True),
}


def block_filters() -> dict[str, Q]:
    """Return, for each block of the form, the filter selecting its lines."""
    return {name: Q(code__in=chart.codes(side=side, in_kind=in_kind)) for name, (side, in_kind) in BLOCKS.items()}


@dataclass(frozen=True)
class BudgetTotals:
    """The totals of a budget, each the sum of its lines."""

    charges: Decimal = ZERO
    products: Decimal = ZERO
    in_kind_charges: Decimal = ZERO
    in_kind_products: Decimal = ZERO

    @property
    def total_charges(self) -> Decimal:
        """Return the grand total of charges, in-kind contributions included."""
        return self.charges + self.in_kind_charges

    @property
    def total_products(self) -> Decimal:
        return self.products + self.in_kind_products

    @property
    def gap(self) -> Decimal:
        """Return charges minus produits (excluding in-kind): zero when balanced."""
        return self.charges - self.products

    @property
    def in_kind_gap(self) -> Decimal:
        return self.in_kind_charges - self.in_kind_products

    @property
    def is_balanced(self) -> bool:
        """Return True when charges equal produits and 86 equals 87."""
        return self.gap == 0 and self.in_kind_gap == 0

    def funder_share(self, amount: Decimal) -> Decimal | None:
        """Return the share of ``amount`` in the charges, in-kind contributions excluded."""
        return ratio(amount, self.charges)

    def funder_share_with_in_kind(self, amount: Decimal) -> Decimal | None:
        """Return the share of ``amount`` in the charges, in-kind contributions included."""
        return ratio(amount, self.total_charges)


def budget_totals(budget) -> BudgetTotals:
    """Return the totals of ``budget`` in one query."""
    sums = budget.lines.aggregate(
        **{name: Sum("amount", filter=condition, default=ZERO) for name, condition in block_filters().items()}
    )
    return BudgetTotals(**sums)


def totals_from_annotations(obj, prefix: str = "forecast_") -> BudgetTotals:
    """Build the totals from the annotations of ``ConventionQuerySet.with_budget_totals``."""
    return BudgetTotals(**{name: getattr(obj, prefix + name) for name in BLOCKS})


def eligible_expenses(budget) -> Decimal:
    """Return a budget's eligible expenses: its charges, in-kind contributions excluded.

    For an operating grant the budget is the association's global one; for a specific grant it
    is the action's budget (DOMAIN.md §4). The balance's pro-rata compares this figure between
    the actual and the forecast budgets.
    """
    return budget_totals(budget).charges


def eligible_expenses_by_convention(convention_ids) -> dict[tuple[int, str], Decimal]:
    """Return ``eligible_expenses`` of every budget of the given agreements, keyed by (agreement, kind), in one query."""
    from .models import BudgetLine

    rows = (
        BudgetLine.objects.filter(block_filters()["charges"], budget__convention__in=convention_ids)
        .values_list("budget__convention", "budget__kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(convention_id, kind): total for convention_id, kind, total in rows}

def public_cofunder_lines() -> Q:
    """Return the filter of the chapter 74 lines of public co-funders, the granting funder excluded.

    These are the other public cash subsidies the association declares in its budget; the
    granting funder's own line is left out because its agreements are counted from the
    agreements themselves (DOMAIN.md §8, code de commerce L612-4).
    """
    return Q(code__in=chart.PUBLIC_FUNDER_CODES, is_granting_funder=False)


def public_cofunding(budget) -> Decimal:
    """Return the public cash subsidies ``budget`` declares from funders other than the granting one."""
    return budget.lines.aggregate(total=Sum("amount", filter=public_cofunder_lines(), default=ZERO))["total"]


def public_cofunding_subquery(budget_filter: Q):
    """Return an annotation summing the public co-funder lines of the budget matched by ``budget_filter``.

    ``budget_filter`` uses ``OuterRef`` to tie the budget to the annotated row, e.g.
    ``Q(budget__convention=OuterRef("pk"), budget__kind="forecast")``.
    """
    from django.db.models import DecimalField, Subquery, Value
    from django.db.models.functions import Coalesce

    from .models import BudgetLine

    lines = (
        BudgetLine.objects.filter(budget_filter, public_cofunder_lines())
        .order_by()
        .values("budget")
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    money = DecimalField(max_digits=12, decimal_places=2)
    return Coalesce(Subquery(lines, output_field=money), Value(ZERO), output_field=money)


def granting_funder_amount(budget) -> Decimal | None:
    """Return the total of the lines marked as the granting funder's, or None when none is marked.

    It must equal the amount granted (DOMAIN.md §5): ``conventions.consistency`` warns if not.
    """
    lines = budget.lines.filter(is_granting_funder=True)
    result = lines.aggregate(total=Sum("amount"), count=models.Count("pk"))
    return result["total"] if result["count"] else None
