"""Budget rules in one place (DOMAIN.md §4–5): totals, balance, chapter subtotals, co-funders,
the granting funder's line, the funder's share, and the forecast → actual variances.

Every total is computed here, from the lines, in the database; nothing else adds up a budget.
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

from django.db.models import Count, DecimalField, F, IntegerField, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from budgets import chart
from budgets.models import BudgetKind, BudgetLine, FundingStatus, chapter_expression
from conventions.amounts import effective_amount, effective_tranche_amount
from core.money import HUNDRED, ZERO, format_euros, format_total, ratio, unknown_amounts_note

BLOCKS = {
    "charges": (chart.CHARGES, False),
    "products": (chart.PRODUCTS, False),
    "in_kind_charges": (chart.CHARGES, True),
    "in_kind_products": (chart.PRODUCTS, True),
}


#: A line whose amount is not known (« non renseigné », stored NULL). Only co-funder lines of
#: chapter 74 may be (``budgets.models.unknown_amount_refusal``): they are produits, so a
#: total of produits leaves them out and says so; every other total is whole.
UNKNOWN = Q(amount__isnull=True)


def block_filters() -> dict[str, Q]:
    """Return, for each block of the form, the filter selecting its lines."""
    return {name: Q(code__in=chart.codes(side=side, in_kind=in_kind)) for name, (side, in_kind) in BLOCKS.items()}


def block_annotations(path: str = "lines__", prefix: str = "sum_") -> dict:
    """Return annotations summing each block of a budget's lines (and counting the unknown ones), for a list."""
    annotations = {
        prefix + name: Sum(f"{path}amount", filter=Q(**{f"{path}code__in": chart.codes(side=side, in_kind=in_kind)}),
                           default=ZERO)
        for name, (side, in_kind) in BLOCKS.items()
    }
    annotations[prefix + "unknown_amounts"] = Count(f"{path}pk", filter=Q(**{f"{path}amount__isnull": True}))
    return annotations


@dataclass(frozen=True)
class BudgetTotals:
    """The totals of a budget, each the sum of its lines whose amount is known.

    ``unknown_amounts`` counts the lines « non renseigné » (co-funders of chapter 74, produits):
    the produits total leaves them out and says so (« dont 1 montant non chiffré »).
    """

    charges: Decimal = ZERO
    products: Decimal = ZERO
    in_kind_charges: Decimal = ZERO
    in_kind_products: Decimal = ZERO
    unknown_amounts: int = 0

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
        """Return True when charges equal produits and 86 equals 87, every amount known.

        With an amount not given the balance cannot be asserted: it is neither true nor known false.
        """
        return self.gap == 0 and self.in_kind_gap == 0 and not self.unknown_amounts

    @property
    def can_balance(self) -> bool:
        """Return True unless the budget is unbalanced whatever the amounts not given turn out to be.

        Unknown amounts are produits (chapter 74) and never negative: they can fill charges that
        exceed the known produits, never produits that already exceed the charges, nor 86 ≠ 87.
        """
        if not self.unknown_amounts:
            return self.is_balanced
        return self.gap > 0 and self.in_kind_gap == 0

    @property
    def products_note(self) -> str:
        """Return « dont N montants non chiffrés » for the produits total ("" when all are known)."""
        return unknown_amounts_note(self.unknown_amounts)

    def products_shown(self) -> str:
        """Return the produits total with the count of amounts it leaves out."""
        return format_total(self.products, self.unknown_amounts)

    def funder_share(self, amount: Decimal) -> Decimal | None:
        """Return the share of ``amount`` in the charges, in-kind contributions excluded."""
        return ratio(amount, self.charges)

    def funder_share_with_in_kind(self, amount: Decimal) -> Decimal | None:
        """Return the share of ``amount`` in the charges, in-kind contributions included."""
        return ratio(amount, self.total_charges)


def totals_aggregates() -> dict:
    """Return the aggregates of ``BudgetTotals``: each block's known amounts, and the unknown lines."""
    return {**{name: Sum("amount", filter=condition, default=ZERO) for name, condition in block_filters().items()},
            "unknown_amounts": Count("pk", filter=UNKNOWN)}


def budget_totals(budget) -> BudgetTotals:
    """Return the totals of ``budget`` in one query."""
    return BudgetTotals(**budget.lines.aggregate(**totals_aggregates()))


def yearly_forecast_totals(convention) -> dict[int, BudgetTotals]:
    """Return the totals of each yearly forecast budget of a multi-year agreement, keyed by year, in one query."""
    rows = (BudgetLine.objects.filter(budget__convention=convention, budget__kind=BudgetKind.FORECAST,
                                      budget__year__isnull=False)
            .values("budget__year").annotate(**totals_aggregates()).order_by())
    return {row.pop("budget__year"): BudgetTotals(**row) for row in rows}


def combined_totals(totals: list[BudgetTotals]) -> BudgetTotals:
    """Return the totals of several budgets added up (a multi-year agreement's years)."""
    return BudgetTotals(**{name: sum((getattr(t, name) for t in totals), ZERO) for name in BLOCKS},
                        unknown_amounts=sum(t.unknown_amounts for t in totals))


def totals_from_annotations(obj, prefix: str = "forecast_") -> BudgetTotals:
    """Build the totals from the annotations of ``with_budget_totals`` or ``block_annotations``."""
    return BudgetTotals(**{name: getattr(obj, prefix + name) for name in BLOCKS},
                        unknown_amounts=getattr(obj, prefix + "unknown_amounts", 0) or 0)


def eligible_expenses(budget) -> Decimal:
    """Return a budget's eligible expenses: its charges, in-kind contributions excluded.

    For an operating grant the budget is the association's global one; for a specific grant it
    is the action's budget (DOMAIN.md §4). The balance's pro-rata compares this figure between
    the actual and the forecast budgets.
    """
    return budget_totals(budget).charges


def eligible_expenses_by_convention(convention_ids) -> dict[tuple[int, str], Decimal]:
    """Return ``eligible_expenses`` of every budget of the given agreements, keyed by (agreement, kind), in one query.

    A multi-year agreement's budget stands for it as a whole in its first year only
    (``BudgetQuerySet.of_agreement``); its yearly budgets are read by ``eligible_expenses_by_year``.
    """

    rows = (
        BudgetLine.objects.filter(block_filters()["charges"], budget__convention__in=convention_ids)
        .filter(Q(budget__year__isnull=True) | Q(budget__year=F("budget__convention__fiscal_year")))
        .values_list("budget__convention", "budget__kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(convention_id, kind): total for convention_id, kind, total in rows}


def eligible_expenses_by_year(convention_ids) -> dict[tuple[int, str, int], Decimal]:
    """Return ``eligible_expenses`` of the yearly budgets of multi-year agreements, keyed by (agreement, kind, year)."""
    rows = (
        BudgetLine.objects.filter(block_filters()["charges"], budget__convention__in=convention_ids,
                                  budget__year__isnull=False)
        .values_list("budget__convention", "budget__kind", "budget__year")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(convention_id, kind, year): total for convention_id, kind, year, total in rows}

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


    lines = (
        BudgetLine.objects.filter(budget_filter, public_cofunder_lines())
        .order_by()
        .values("budget")
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    money = DecimalField(max_digits=12, decimal_places=2)
    return Coalesce(Subquery(lines, output_field=money), Value(ZERO), output_field=money)


def public_cofunding_unknown_subquery(budget_filter: Q):
    """Return an annotation counting the public co-funder lines « non renseigné » (left out of the sum above)."""
    lines = (
        BudgetLine.objects.filter(budget_filter, public_cofunder_lines(), UNKNOWN)
        .order_by()
        .values("budget")
        .annotate(count=Count("pk"))
        .values("count")[:1]
    )
    return Coalesce(Subquery(lines, output_field=IntegerField()), Value(0), output_field=IntegerField())


# --- Balance ---------------------------------------------------------------------------------


def balance_message(totals: BudgetTotals) -> str | None:
    """Return why a budget is not (or not known to be) balanced, with the gap in euros, or None when it is."""
    if totals.is_balanced:
        return None
    if totals.can_balance:  # amounts not given: the gap is what they would have to cover
        return ngettext(
            "L'équilibre du budget ne peut pas être vérifié : %(count)s montant n'est pas chiffré ; les charges "
            "dépassent les produits chiffrés de %(gap)s.",
            "L'équilibre du budget ne peut pas être vérifié : %(count)s montants ne sont pas chiffrés ; les charges "
            "dépassent les produits chiffrés de %(gap)s.", totals.unknown_amounts,
        ) % {"count": totals.unknown_amounts, "gap": format_euros(totals.gap)}
    parts = []
    if totals.gap > 0:
        parts.append(_("les charges dépassent les produits de %(gap)s") % {"gap": format_euros(totals.gap)})
    elif totals.gap < 0:
        parts.append(_("les produits dépassent les charges de %(gap)s") % {"gap": format_euros(-totals.gap)})
    elif totals.unknown_amounts:
        parts.append(_("les produits chiffrés égalent déjà les charges"))
    if totals.in_kind_gap > 0:
        parts.append(_("les emplois des contributions en nature (86) dépassent les ressources (87) de %(gap)s")
                     % {"gap": format_euros(totals.in_kind_gap)})
    elif totals.in_kind_gap < 0:
        parts.append(_("les ressources des contributions en nature (87) dépassent les emplois (86) de %(gap)s")
                     % {"gap": format_euros(-totals.in_kind_gap)})
    if totals.unknown_amounts:
        parts[-1] = f"{parts[-1]} ({totals.products_note})"
    return _("Le budget n'est pas équilibré : %(reasons)s.") % {"reasons": " ; ".join(str(p) for p in parts)}


def unknown_lines_message(budget) -> str | None:
    """Return why ``budget`` cannot be validated while amounts are not given (naming the lines), or None."""
    labels = list(budget.lines.filter(UNKNOWN).in_chart_order().values_list("label", flat=True))
    if not labels:
        return None
    return ngettext(
        "Le montant de %(count)s cofinancement n'est pas chiffré (%(labels)s) : le budget ne peut être validé "
        "qu'une fois tous les montants connus et le budget équilibré.",
        "Les montants de %(count)s cofinancements ne sont pas chiffrés (%(labels)s) : le budget ne peut être "
        "validé qu'une fois tous les montants connus et le budget équilibré.", len(labels),
    ) % {"count": len(labels), "labels": ", ".join(f"« {label} »" for label in labels)}


# --- Chapters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChapterSubtotal:
    """The sum of one chapter's lines (for example « 64 Charges de personnel »)."""

    chapter: chart.Chapter
    amount: Decimal
    unknown_amounts: int = 0  # lines of the chapter « non renseigné », left out of ``amount``

    @property
    def code(self) -> str:
        return self.chapter.code

    @property
    def shown(self) -> str:
        """Return the subtotal with the count of amounts it leaves out."""
        return format_total(self.amount, self.unknown_amounts)

    @property
    def label(self) -> str:
        return self.chapter.label


def chapter_subtotals(budget) -> list[ChapterSubtotal]:
    """Return every chapter of the chart with the sum of its lines, in one query."""

    rows = (
        budget.lines.order_by().annotate(chapter=chapter_expression())
        .values("chapter").annotate(total=Sum("amount", default=ZERO), unknown=Count("pk", filter=UNKNOWN))
    )
    sums = {row["chapter"]: (row["total"], row["unknown"]) for row in rows}
    return [ChapterSubtotal(chapter, *sums.get(chapter.code, (ZERO, 0))) for chapter in chart.CHAPTERS]


# --- Co-funders (chapter 74) and the granting funder's line -----------------------------------


@dataclass(frozen=True)
class Cofunder:
    """A funder named on a line of chapter 74, with its amount and whether it is obtained."""

    code: str
    label: str
    amount: Decimal | None  # None: not given (« non renseigné »)
    funding_status: str
    is_granting_funder: bool

    @property
    def is_public(self) -> bool:
        return self.code in chart.PUBLIC_FUNDER_CODES

    @property
    def nature(self) -> str:
        return _("public") if self.is_public else _("privé")

    @property
    def category(self) -> str:
        return chart.ACCOUNTS[self.code].label

    @property
    def funding_status_label(self) -> str:

        return FundingStatus(self.funding_status).label if self.funding_status else _("non précisé")


def cofunders(budget) -> list[Cofunder]:
    """Return the funders of chapter 74 in the form's order, in one query."""
    codes = [acc.code for acc in chart.ACCOUNTS.values() if acc.is_cofunder_line]
    lines = budget.lines.filter(code__in=codes).in_chart_order().values_list(
        "code", "label", "amount", "funding_status", "is_granting_funder"
    )
    return [Cofunder(*line) for line in lines]


class GrantingLineState(StrEnum):
    OK = "ok"
    MISSING = "missing"
    SEVERAL = "several"
    DIFFERENT = "different"
    UNKNOWN_LINE = "unknown_line"  # the line is « non renseigné » while the grant is known
    UNKNOWN_GRANT = "unknown_grant"  # the grant is not known yet (vote pending): nothing to compare


@dataclass(frozen=True)
class GrantingLineCheck:
    """The granting funder's line of a budget against the amount granted (DOMAIN.md §5)."""

    granted: Decimal | None  # None: not given yet (the vote fixes it)
    lines: tuple[Cofunder, ...]  # the lines of chapter 74 marked as the granting funder's

    @property
    def amount(self) -> Decimal | None:
        """Return the total of the marked lines, or None when none is marked or one is not given."""
        if not self.lines or any(line.amount is None for line in self.lines):
            return None
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def difference(self) -> Decimal | None:
        """Return the amount granted minus the line's amount (None when either is unknown)."""
        return None if self.amount is None or self.granted is None else self.granted - self.amount

    @property
    def state(self) -> str:
        if not self.lines:
            return GrantingLineState.MISSING
        if len(self.lines) > 1:
            return GrantingLineState.SEVERAL
        if self.granted is None:
            return GrantingLineState.UNKNOWN_GRANT
        if self.amount is None:
            return GrantingLineState.UNKNOWN_LINE
        return GrantingLineState.DIFFERENT if self.difference else GrantingLineState.OK


def granting_line_check(funders: list[Cofunder], granted: Decimal) -> GrantingLineCheck:
    """Compare the granting funder's line (exactly one line of chapter 74, marked) with ``granted``."""
    return GrantingLineCheck(granted, tuple(f for f in funders if f.is_granting_funder))


def several_granting_lines_message() -> str:
    return _("Plusieurs lignes du chapitre 74 sont marquées comme celle de la collectivité attribuante : "
             "une seule doit l'être.")


def granting_funder_warning(check: GrantingLineCheck) -> str | None:
    """Return the budget page's warning when the granting funder's line does not equal the amount granted."""
    if check.state == GrantingLineState.MISSING:
        return _("Aucune ligne du chapitre 74 n'est marquée comme celle de la collectivité attribuante "
                 "(subvention attribuée : %(granted)s).") % {"granted": format_euros(check.granted)}
    if check.state == GrantingLineState.SEVERAL:
        return several_granting_lines_message()
    if check.state in (GrantingLineState.DIFFERENT, GrantingLineState.UNKNOWN_LINE):
        line = check.lines[0]
        return _("La ligne de la collectivité attribuante (« %(label)s ») indique %(amount)s, "
                 "alors que la subvention attribuée est de %(granted)s.") % {
            "label": line.label, "amount": format_euros(line.amount), "granted": format_euros(check.granted)}
    if check.state == GrantingLineState.UNKNOWN_GRANT:
        return _("La subvention attribuée n'est pas encore renseignée : la ligne de la collectivité attribuante "
                 "sera comparée au montant voté.")
    return None


# --- Totals printed on a taken-over document (DOMAIN.md §10) --------------------------------


@dataclass(frozen=True)
class DeclaredTotalGap:
    """A total printed on the document that matches neither computed total of its side."""

    side: str  # "charges" or "products"
    declared: Decimal
    computed: Decimal  # in-kind contributions excluded
    computed_with_in_kind: Decimal

    @property
    def difference(self) -> Decimal:
        """Return the computed total (in-kind excluded) minus the printed one."""
        return self.computed - self.declared


def declared_total_gaps(budget, totals: BudgetTotals) -> list[DeclaredTotalGap]:
    """Compare the totals printed on a taken-over document with the computed ones.

    A printed total is right when it equals the computed total of its side, in-kind
    contributions excluded or included (the Cerfa prints both).
    """
    gaps = []
    for side, declared, without, with_in_kind in (
        ("charges", budget.declared_total_charges, totals.charges, totals.total_charges),
        ("products", budget.declared_total_products, totals.products, totals.total_products),
    ):
        if declared is not None and declared not in (without, with_in_kind):
            gaps.append(DeclaredTotalGap(side, declared, without, with_in_kind))
    return gaps


def declared_totals_warnings(budget, totals: BudgetTotals) -> list[str]:
    """Return the budget page's warnings about printed totals (``declared_total_gaps``)."""
    names = {"charges": _("charges"), "products": _("produits")}
    return [
        _("Le total des %(name)s imprimé (%(declared)s) diffère du total calculé "
          "(%(computed)s) de %(gap)s.") % {
            "name": names[gap.side], "declared": format_euros(gap.declared), "computed": format_euros(gap.computed),
            "gap": format_euros(abs(gap.difference))}
        for gap in declared_total_gaps(budget, totals)
    ]


@dataclass(frozen=True)
class BudgetReport:
    """What staff and members see beside a budget: totals, chapters, co-funders, warnings."""

    totals: BudgetTotals
    chapters: list[ChapterSubtotal]
    cofunders: list[Cofunder]
    warnings: list[str]

    @classmethod
    def empty(cls) -> "BudgetReport":
        """Return the report of a budget not started yet: every total zero, nothing to warn of."""
        return cls(BudgetTotals(), [ChapterSubtotal(chapter, ZERO) for chapter in chart.CHAPTERS], [], [])

    @property
    def balance_message(self) -> str | None:
        return balance_message(self.totals)

    @property
    def chapter_amounts(self) -> dict[str, Decimal]:
        return {c.code: c.amount for c in self.chapters}

    @property
    def charges_chapters(self) -> list[ChapterSubtotal]:
        return [c for c in self.chapters if c.chapter.side == chart.CHARGES]

    @property
    def products_chapters(self) -> list[ChapterSubtotal]:
        return [c for c in self.chapters if c.chapter.side == chart.PRODUCTS]


def budget_report(budget) -> BudgetReport:
    """Return a budget's totals, chapter subtotals, co-funders and warnings, in three queries.

    An actual budget is compared with the amount in force: one query more unless its agreement
    was loaded with ``with_amount_in_force()``.
    """
    pass

    totals = budget_totals(budget)
    funders = cofunders(budget)
    warnings = [message for message in [balance_message(totals)] if message]
    granting = granting_funder_warning(granting_line_check(funders, granting_line_expected_amount(budget)))
    if granting:
        warnings.append(granting)
    warnings += declared_totals_warnings(budget, totals)
    return BudgetReport(totals, chapter_subtotals(budget), funders, warnings)


# --- Forecast → actual variances (Cerfa 15059) -------------------------------------------------

DEFAULT_VARIANCE_THRESHOLD = Decimal("15")


def variance_threshold(convention) -> Decimal:
    """Return the variance (in %) above which a line of the actual budget must be explained."""
    value = convention.funder.variance_threshold_percent
    return DEFAULT_VARIANCE_THRESHOLD if value is None else value


def needs_explanation(forecast: Decimal | None, actual: Decimal, threshold: Decimal) -> bool:
    """Return True when the gap between forecast and actual exceeds ``threshold`` % of the forecast.

    A line that was not forecast (zero), or whose forecast was not given (None), but was spent or
    received always needs an explanation.
    """
    if forecast is None:
        return bool(actual)
    difference = actual - forecast
    if not difference:
        return False
    if not forecast:
        return True
    return abs(difference) * HUNDRED > threshold * forecast


@dataclass(frozen=True)
class Variance:
    forecast: Decimal | None  # None: a forecast line « non renseigné »
    actual: Decimal

    @property
    def difference(self) -> Decimal | None:
        """Return actual minus forecast, in euros (None when the forecast was not given)."""
        return None if self.forecast is None else self.actual - self.forecast

    @property
    def percent(self) -> Decimal | None:
        """Return the difference as a ratio of the forecast (None when nothing, or no figure, was forecast)."""
        return None if self.forecast is None else ratio(self.difference, self.forecast)


@dataclass(frozen=True)
class LineVariance(Variance):
    code: str  # the actual line's account and label; the forecast's when it has no actual line
    label: str
    explanation: str
    needs_explanation: bool
    actual_line: int | None = None  # the lines compared (pk): None on the side that has none
    forecast_line: int | None = None
    forecast_code: str = ""
    forecast_label: str = ""

    @property
    def account(self) -> chart.Account:
        return chart.ACCOUNTS[self.code]

    @property
    def missing_explanation(self) -> bool:
        return self.needs_explanation and not self.explanation.strip()

    @property
    def is_unrealised(self) -> bool:
        """Return True for a forecast line that no line of the actual budget realises (shown at 0 €)."""
        return self.forecast_line is not None and self.actual_line is None

    @property
    def is_renamed(self) -> bool:
        """Return True when the actual line realises a forecast line under another account or label."""
        return (self.actual_line is not None and self.forecast_line is not None
                and (self.code, self.label) != (self.forecast_code, self.forecast_label))

    @property
    def forecast_name(self) -> str:
        return f"{self.forecast_code} {self.forecast_label}"


@dataclass(frozen=True)
class ChapterVariance(Variance):
    chapter: chart.Chapter


@dataclass(frozen=True)
class BudgetVariances:
    threshold: Decimal
    lines: list[LineVariance]
    chapters: list[ChapterVariance]
    forecast_totals: BudgetTotals
    actual_totals: BudgetTotals

    @property
    def missing_explanations(self) -> list[LineVariance]:
        return [line for line in self.lines if line.missing_explanation]

    @property
    def unrealised(self) -> list[LineVariance]:
        """Return the forecast lines that no line of the actual budget realises."""
        return [line for line in self.lines if line.is_unrealised]

    def of_actual_line(self, pk: int) -> LineVariance | None:
        """Return the variance of the actual line ``pk``."""
        return self._by_actual.get(pk)

    def of_forecast_line(self, pk: int) -> LineVariance | None:
        """Return the variance of the forecast line ``pk`` (realised or not)."""
        return self._by_forecast.get(pk)

    @cached_property
    def _by_actual(self) -> dict[int, LineVariance]:
        return {v.actual_line: v for v in self.lines if v.actual_line is not None}

    @cached_property
    def _by_forecast(self) -> dict[int, LineVariance]:
        return {v.forecast_line: v for v in self.lines if v.forecast_line is not None}

    @property
    def groups(self) -> list[tuple[ChapterVariance, list[LineVariance]]]:
        """Return each chapter that has lines, with its lines, in the form's order."""
        return [
            (chapter, [v for v in self.lines if v.account.chapter.code == chapter.chapter.code])
            for chapter in self.chapters
            if any(v.account.chapter.code == chapter.chapter.code for v in self.lines)
        ]

    @property
    def eligible_expenses(self) -> Variance:
        """Return the eligible expenses (charges excluding in-kind), forecast and actual (art. 4.2)."""
        return self.block("charges")

    def block(self, name: str) -> Variance:
        """Return the variance of one block of the form (``charges``, ``products``…)."""
        return Variance(getattr(self.forecast_totals, name), getattr(self.actual_totals, name))


def realised_forecast_lines(actual_lines, forecast_lines) -> dict[int, int]:
    """Return, for each actual line that realises a forecast line, that forecast line: ``{actual pk: forecast pk}``.

    The lines are one actual budget's and its forecast's (same agreement and year), each with
    ``pk``, ``code``, ``label`` and ``forecast_line_id``. An actual line realises the forecast line it
    is linked to (``BudgetLine.forecast_line``: kept when the line is renamed or its account
    changed); an unlinked line, the forecast line of the same account and label that no other
    line realises (the rule before the link, for lines entered without it). One forecast line
    is realised by one actual line at most.
    """
    forecast_pks = {line.pk for line in forecast_lines}
    pairs = {line.pk: line.forecast_line_id for line in actual_lines if line.forecast_line_id in forecast_pks}
    taken = set(pairs.values())
    by_key = {(line.code, line.label): line.pk for line in forecast_lines}
    for line in actual_lines:
        if line.pk in pairs:
            continue
        forecast = by_key.get((line.code, line.label))
        if forecast is not None and forecast not in taken:
            pairs[line.pk] = forecast
            taken.add(forecast)
    return pairs


def lines_to_link(line_model, budget_ids=None) -> list:
    """Return the unlinked lines of actual budgets that realise a forecast line by account and label
    (``realised_forecast_lines``), their ``forecast_line_id`` set, unsaved: the caller saves them.

    ``budget_ids``: those actual budgets only (all of them when None). ``line_model`` is
    ``BudgetLine``, or its historical version in a migration: the migration that added the link
    set it this way on the lines already entered, so that no variance changed.
    """
    budgets = Q(budget__kind=BudgetKind.ACTUAL) & (Q() if budget_ids is None else Q(budget__in=budget_ids))
    actual: dict[tuple[int, int | None], list] = {}
    for line in line_model.objects.filter(budgets).select_related("budget").order_by("pk"):
        actual.setdefault((line.budget.convention_id, line.budget.year), []).append(line)
    if not actual:
        return []
    forecast: dict[tuple[int, int | None], list] = {}
    of_agreements = line_model.objects.filter(budget__kind=BudgetKind.FORECAST,
                                              budget__convention__in={key[0] for key in actual})
    for line in of_agreements.select_related("budget").order_by("pk"):
        forecast.setdefault((line.budget.convention_id, line.budget.year), []).append(line)
    linked = []
    for key, lines in actual.items():
        pairs = realised_forecast_lines(lines, forecast.get(key, []))
        for line in lines:
            if line.forecast_line_id is None and line.pk in pairs:
                line.forecast_line_id = pairs[line.pk]
                linked.append(line)
    return linked


def budget_variances(convention, year: int | None = None) -> BudgetVariances:
    """Compare an agreement's actual budget with its forecast, line by line and chapter by chapter.

    Lines are matched by identity (``realised_forecast_lines``): an actual line with the forecast
    line it realises, however renamed; a forecast line that no actual line realises counts 0 €
    realised (−100 %, to explain above the threshold), an actual line realising none was not
    forecast. For one year of a multi-year agreement (``year``), that year's actual against that
    year's forecast only. Three queries, whatever the number of lines.
    """

    threshold = variance_threshold(convention)
    of_budgets = Q(budget__convention=convention, budget__year=year)
    lines = list(
        BudgetLine.objects.filter(of_budgets).in_chart_order().select_related("budget")
        .only("code", "label", "amount", "explanation", "forecast_line", "budget__kind")
    )
    actual = [line for line in lines if line.budget.kind == BudgetKind.ACTUAL]
    forecast = {line.pk: line for line in lines if line.budget.kind == BudgetKind.FORECAST}
    pairs = realised_forecast_lines(actual, list(forecast.values()))
    realised = set(pairs.values())
    rows = [(line, forecast.get(pairs.get(line.pk))) for line in actual]
    rows += [(None, line) for pk, line in forecast.items() if pk not in realised]
    line_variances = []
    for actual_line, forecast_line in rows:
        shown = actual_line or forecast_line
        planned = forecast_line.amount if forecast_line is not None else ZERO
        spent = actual_line.amount if actual_line is not None and actual_line.amount is not None else ZERO
        line_variances.append(LineVariance(
            planned, spent, shown.code, shown.label, actual_line.explanation if actual_line else "",
            needs_explanation(planned, spent, threshold),
            actual_line=actual_line.pk if actual_line else None,
            forecast_line=forecast_line.pk if forecast_line else None,
            forecast_code=forecast_line.code if forecast_line else "",
            forecast_label=forecast_line.label if forecast_line else "",
        ))
    order, entered = chart.account_order(), {line.pk: rank for rank, line in enumerate(lines)}
    line_variances.sort(key=lambda v: (order[v.code], entered[v.actual_line or v.forecast_line]))

    by_chapter = (
        BudgetLine.objects.filter(of_budgets).order_by()
        .annotate(chapter=chapter_expression()).values("budget__kind", "chapter")
        .annotate(total=Sum("amount", default=ZERO))
    )
    chapter_sums = {(row["budget__kind"], row["chapter"]): row["total"] for row in by_chapter}
    chapters = [
        ChapterVariance(chapter_sums.get((BudgetKind.FORECAST, ch.code), ZERO),
                        chapter_sums.get((BudgetKind.ACTUAL, ch.code), ZERO), ch)
        for ch in chart.CHAPTERS
    ]

    by_kind = (
        BudgetLine.objects.filter(of_budgets).order_by().values("budget__kind")
        .annotate(**totals_aggregates())
    )
    totals = {row.pop("budget__kind"): BudgetTotals(**row) for row in by_kind}
    return BudgetVariances(
        threshold, line_variances, chapters,
        totals.get(BudgetKind.FORECAST, BudgetTotals()), totals.get(BudgetKind.ACTUAL, BudgetTotals()),
    )


def granting_line_expected_amount(budget) -> Decimal:
    """Return what the granting funder's line of ``budget`` must show (DOMAIN.md §5).

    A forecast budget is annex I of the agreement as signed (frozen at signature; amendments
    come after): the amount granted. An actual budget (compte rendu financier) reports what the
    association obtained: the amount in force, signed amendments included. (The funder's *share*
    of a budget is always that of the amount in force: ``effective_amount``.)
    """
    if budget.convention_id is None:  # an application's budget: nothing granted yet, the vote fixes it
        return None
    if budget.year is not None:  # one year of a multi-year agreement: that year's amount
        tranche = next((t for t in budget.convention.tranches.all() if t.year == budget.year), None)
        if tranche is not None:
            return effective_tranche_amount(tranche) if budget.kind == BudgetKind.ACTUAL else tranche.amount
    if budget.kind == BudgetKind.ACTUAL:
        return effective_amount(budget.convention)
    return budget.convention.amount_granted
