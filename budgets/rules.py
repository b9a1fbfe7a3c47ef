"""Budget rules in one place: totals, balance, the funder's share (DOMAIN.md §4–5).

Every total is computed here, from the lines, in the database; nothing else adds up a budget.
"""

from dataclasses import dataclass
from decimal import Decimal

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


def chapter_subtotals(budget) -> list[tuple[chart.Chapter, list, Decimal]]:
    """Return, for every chapter of the chart in the form's order, its lines and their subtotal.

    Reads ``budget.lines.all()``, so a ``prefetch_related("lines")`` makes it query-free.
    """
    by_chapter: dict[str, list] = {chapter.code: [] for chapter in chart.CHAPTERS}
    for line in budget.lines.all():
        by_chapter[line.account.chapter.code].append(line)
    return [
        (chapter, by_chapter[chapter.code], sum((line.amount for line in by_chapter[chapter.code]), ZERO))
        for chapter in chart.CHAPTERS
    ]
