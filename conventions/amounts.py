"""conventions.amounts: an agreement's amount in force, its shares, and what it gives each year.

``amounts_by_year`` is the one home of « a multi-year agreement counts each year's amount in its
year, never its total in its first year » for the dashboards (the compliance dashboard reads it).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from conventions.deliberation import deliberation_text
from conventions.models import (
    Amendment,
    AmendmentStatus,
    Convention,
    Tranche,
    amount_in_force_expression,
)
from conventions.tranches import total_shown, tranches_total
from core.money import format_euros, ratio, round_cents


def _rounded(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else round_cents(amount)


def amounts_in_force(convention_ids) -> dict[int, Decimal | None]:
    """Return the amount in force of each agreement (None while the amount granted is not given), in one query."""
    rows = Convention.objects.filter(pk__in=convention_ids).annotate(in_force=amount_in_force_expression())
    return {pk: _rounded(amount) for pk, amount in rows.values_list("pk", "in_force")}


def effective_amount(convention: Convention) -> Decimal | None:
    """Return the amount in force: the amount granted plus the changes of signed amendments.

    None while the amount granted is not given (« non renseigné », before the vote fixes it):
    unknown, not zero. Reads the ``amount_in_force`` annotation when the agreement was loaded
    with ``Convention.objects.with_amount_in_force()`` (no query), else asks the database (one query).
    """
    if "amount_in_force" in convention.__dict__:
        return _rounded(convention.amount_in_force)
    if convention.amount_granted is None:
        return None
    return amounts_in_force([convention.pk])[convention.pk]


@dataclass(frozen=True)
class FunderShares:
    """The funder's share of a budget's charges, without and with in-kind contributions."""

    amount: Decimal | None  # the amount in force the shares are of (None: not given yet)
    excluding_in_kind: Decimal | None
    including_in_kind: Decimal | None


def funder_shares(convention: Convention, totals, *, tranche: Tranche | None = None) -> FunderShares:
    """Return the funder's shares of ``totals`` (a ``BudgetTotals``): those of the amount in force.

    A yearly budget of a multi-year agreement (``tranche``: its year) is shared with that year's
    amount in force. No share while the amount is not given: unknown, not 0 %.
    """
    amount = effective_amount(convention) if tranche is None else effective_tranche_amount(tranche)
    if amount is None:
        return FunderShares(None, None, None)
    return FunderShares(amount, totals.funder_share(amount), totals.funder_share_with_in_kind(amount))


def amendment_amounts(amendment: Amendment) -> tuple[Decimal | None, Decimal | None]:
    """Return the amount in force before ``amendment`` and once it applies (one query).

    Before: the amount granted plus the signed amendments numbered below it; after: that plus
    its own change. The amendment's PDF prints both (« il passe de … à … »).
    """
    before = _rounded(
        Convention.objects.filter(pk=amendment.convention_id)
        .annotate(before=amount_in_force_expression(before_number=amendment.number))
        .values_list("before", flat=True).get()
    )
    return before, None if before is None else round_cents(before + amendment.amount_change)


def effective_period_end(convention: Convention) -> date | None:
    """Return the end of the agreement's period, as moved by its latest signed amendment."""
    moved = (
        convention.amendments.filter(status=AmendmentStatus.SIGNED, new_period_end__isnull=False)
        .order_by("-number").values_list("new_period_end", flat=True).first()
    )
    return moved or convention.period_end


def forecast_eligible_expenses(convention: Convention, budget_expenses: Decimal | None) -> Decimal | None:
    """Return the eligible expenses the grant is set against: the figure its share and its pro rata are of.

    The forecast budget's eligible expenses (``budget_expenses``, charges excluding in-kind) when
    a budget is attached; otherwise the agreement's own eligible base (« assiette éligible »), as
    voted for a specific grant without a budget annex; None when there is neither.
    """
    if budget_expenses:
        return budget_expenses
    return convention.eligible_base


def share_is_of_base(convention: Convention, budget_expenses: Decimal | None) -> bool:
    """Return True when the funder's share is stated against the eligible base, not a budget."""
    return not budget_expenses and convention.eligible_base is not None


def base_share(convention: Convention, amount: Decimal) -> Decimal | None:
    """Return the share of ``amount`` in the agreement's eligible base (« part de l'assiette éligible »)."""
    if convention.eligible_base is None or amount is None:  # no share of an amount not given
        return None
    return ratio(amount, convention.eligible_base)


def tranche_amounts_in_force(convention_ids) -> dict[int, Decimal | None]:
    """Return the amount in force of every year of the given agreements, keyed by tranche id, in one query.

    A year's amount in force is its amount plus the changes of the signed amendments that name it
    (``Amendment.tranche``); None while its amount is not given.
    """
    rows = Tranche.objects.filter(convention_id__in=convention_ids).with_amount_in_force()
    return {pk: _rounded(amount) for pk, amount in rows.values_list("pk", "amount_in_force")}


def effective_tranche_amount(tranche: Tranche) -> Decimal | None:
    """Return one year's amount in force (reads the ``amount_in_force`` annotation when loaded with it)."""
    if "amount_in_force" in tranche.__dict__:
        return _rounded(tranche.amount_in_force)
    if tranche.amount is None:
        return None
    return tranche_amounts_in_force([tranche.convention_id])[tranche.pk]


@dataclass(frozen=True)
class YearLine:
    """One line of a multi-year agreement's yearly schedule, as screens and PDFs print it."""

    tranche: Tranche
    amount: Decimal | None  # the year's amount in force (signed amendments included)
    voted: bool
    deliberation: str  # « la délibération n° … du Conseil de la Métropole du … », blanks where unknown

    @property
    def year(self) -> int:
        return self.tranche.year

    @property
    def amount_shown(self) -> str:
        return format_euros(self.amount)


@dataclass(frozen=True)
class YearlySchedule:
    lines: list[YearLine]

    @property
    def total(self) -> Decimal | None:
        """Return the agreement's total in force: the sum of its years' (``conventions.tranches``)."""
        return tranches_total(line.amount for line in self.lines)

    @property
    def total_shown(self) -> str:
        return total_shown(line.amount for line in self.lines)

    def __bool__(self) -> bool:
        return bool(self.lines)


def yearly_schedule(convention: Convention) -> YearlySchedule:
    """Return the yearly schedule of a multi-year agreement (empty for a one-year agreement): one query."""
    if not convention.is_multiannual:
        return YearlySchedule([])
    tranches = Tranche.objects.filter(convention=convention).with_amount_in_force().order_by("year")
    lines = []
    for tranche in tranches:
        tranche.convention = convention
        lines.append(YearLine(tranche=tranche, amount=effective_tranche_amount(tranche), voted=tranche.is_voted,
                              deliberation=deliberation_text(tranche)))
    return YearlySchedule(lines)


@dataclass(frozen=True)
class YearAmount:
    """What one agreement gives in one year: its amount in force there (None while not given)."""

    convention_id: int
    year: int
    status: str
    amount: Decimal | None


def amounts_by_year(conventions) -> list[YearAmount]:
    """Return each agreement of ``conventions`` (a queryset) in each year it funds, in two queries.

    A one-year agreement gives its amount in force in its fiscal year. A multi-year agreement
    gives each year's amount in force (its tranche, signed amendments of that year included) in
    that year, not its total in its first year (DOMAIN.md §11.7); one whose schedule is not
    entered yet counts in its fiscal year at its amount in force.
    """
    rows = conventions.with_amount_in_force().order_by().values_list(
        "pk", "fiscal_year", "status", "amount_in_force", "is_multiannual")
    yearly = defaultdict(list)
    for convention_id, year, amount in (
            Tranche.objects.filter(convention__in=conventions.filter(is_multiannual=True)).with_amount_in_force()
            .order_by("year").values_list("convention_id", "year", "amount_in_force")):
        yearly[convention_id].append((year, _rounded(amount)))
    result = []
    for pk, fiscal_year, status, amount, multiannual in rows:
        years = yearly.get(pk) if multiannual else None
        for year, year_amount in years or [(fiscal_year, _rounded(amount))]:
            result.append(YearAmount(pk, year, status, year_amount))
    return result
