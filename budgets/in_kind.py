"""In-kind contributions agree kind by kind between uses (86) and resources (87) (DOMAIN.md §5).

The Cerfa balances 86 against 87 in total; a budget can still value volunteering at 210 000 €
as a use and at 190 000 € as a resource, the 20 000 € left over appearing as premises lent on
the resources side only (the seed's annex I). Each pair of ``chart.IN_KIND_PAIRS`` is compared.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from budgets import chart
from budgets.models import BudgetLine
from core.money import ZERO


@dataclass(frozen=True)
class InKindGap:
    """One kind of in-kind contribution valued differently as a use (86) and as a resource (87)."""

    label: str
    charges_codes: tuple[str, ...]
    products_codes: tuple[str, ...]
    charges: Decimal
    products: Decimal

    @property
    def difference(self) -> Decimal:
        """Return the use (86) minus the resource (87)."""
        return self.charges - self.products


def in_kind_category_gaps(budget) -> list[InKindGap]:
    """Return each pair of in-kind accounts whose 86 and 87 amounts differ, in the chart's order."""
    rows = (BudgetLine.objects.filter(budget=budget, code__in=[c for _l, ch, pr in chart.IN_KIND_PAIRS for c in ch + pr])
            .values("code").annotate(total=Sum("amount")))
    amounts = {row["code"]: row["total"] for row in rows}
    gaps = []
    for label, charges_codes, products_codes in chart.IN_KIND_PAIRS:
        charges = sum((amounts.get(code, ZERO) for code in charges_codes), ZERO)
        products = sum((amounts.get(code, ZERO) for code in products_codes), ZERO)
        if charges != products:
            gaps.append(InKindGap(label, charges_codes, products_codes, charges, products))
    return gaps
