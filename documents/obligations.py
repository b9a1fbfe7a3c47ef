"""What an association owes for an agreement, and when (DOMAIN.md §7, §8).

The date of the agreement, the open-data publication deadline and the list of expected
documents with their due dates are derived here from the agreement and the association's
fiscal year; ``conventions.deadlines`` gives the six-month justification deadline.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import OuterRef, Q, Subquery

from budgets.models import Budget, BudgetKind, BudgetScope
from budgets.rules import BudgetTotals, public_cofunding_subquery, public_cofunding_unknown_subquery
from budgets.selectors import AGREEMENT_BUDGET, with_budget_totals
from conventions.models import SIGNED_STATES, Convention, Status, Tranche
from conventions.references import reference_date
from core.deadlines import add_months, justification_due_date
from core.money import ZERO
from documents.models import DocumentKind, DocumentStatus

OPEN_DATA_DELAY_MONTHS = 3

#: Documents the association gives before the agreement is signed: the republican commitment
#: contract (loi 2021-1109, décret 2021-1947). Their upload slot opens once the subsidy is voted,
#: and the signature waits for them (``dossier.requirements``).
BEFORE_SIGNATURE = (DocumentKind.REPUBLICAN_COMMITMENT,)

#: States in which the documents due on (and before) signature are owed: voted, and every later one.
BEFORE_SIGNATURE_STATES = frozenset({Status.VOTED, *SIGNED_STATES})

#: States in which every document is owed: once the agreement is signed.
ALL_DOCUMENTS_STATES = SIGNED_STATES

#: Documents due when the agreement is signed (seed art. 3; loi 2000-321 art. 10-1).
ON_SIGNATURE = (
    DocumentKind.INSURANCE,
    DocumentKind.BANK_DETAILS,
    DocumentKind.STATUTES,
    DocumentKind.BOARD_LIST,
    DocumentKind.REPUBLICAN_COMMITMENT,
)

#: Documents due six months after the end of the fiscal year (seed art. 6.2; Cerfa 15059).
AFTER_FISCAL_YEAR = (
    DocumentKind.ANNUAL_ACCOUNTS,
    DocumentKind.ACTIVITY_REPORT,
    DocumentKind.GENERAL_ASSEMBLY,
    DocumentKind.FINANCIAL_REPORT,
)

#: The republican commitment contract applies to subsidies from this day on (loi n° 2021-1109 du
#: 24 août 2021, art. 12; décret n° 2021-1947 du 31 décembre 2021, art. 2: 2 January 2022).
REPUBLICAN_COMMITMENT_FROM = date(2022, 1, 2)


def republican_commitment_applies(convention) -> bool:
    """Return True when ``convention`` owes the republican commitment contract: voted on or after 2 January 2022.

    The law asks it for subsidies requested from that day; the agreement's reference date (its
    vote, ``conventions.references.reference_date``) stands for the request, which precedes it.
    An agreement voted before never owes it.
    """
    return reference_date(convention) >= REPUBLICAN_COMMITMENT_FROM


def documents_owed(convention, kinds) -> tuple:
    """Return those of ``kinds`` that ``convention`` owes, leaving out obligations not yet in force for it."""
    if republican_commitment_applies(convention):
        return tuple(kinds)
    return tuple(kind for kind in kinds if kind != DocumentKind.REPUBLICAN_COMMITMENT)


#: A document is delivered once received; a rejected one is owed again.
DELIVERED = frozenset({DocumentStatus.RECEIVED, DocumentStatus.ACCEPTED})


@dataclass(frozen=True)
class ExpectedDocument:
    kind: str
    due_on: date | None
    year: int | None = None  # a multi-year agreement's yearly documents are owed each year


def yearly_document_years(convention) -> list[int | None]:
    """Return the years the yearly documents (accounts, reports: art. 6.2) are owed for.

    A multi-year agreement owes them for each year of its schedule (``Tranche``); a one-year
    agreement once, for its fiscal year (``None``: not split by year).
    """
    if convention.is_multiannual and convention.pk is not None:
        years = sorted(convention.tranches.values_list("year", flat=True))
        if years:
            return years
    return [None]


def agreement_date(convention) -> date | None:
    """Return the date of the agreement: the later of the two signatures, once both are known."""
    if convention.beneficiary_signed_on and convention.funder_signed_on:
        return max(convention.beneficiary_signed_on, convention.funder_signed_on)
    if convention.status in SIGNED_STATES:
        return convention.funder_signed_on or convention.beneficiary_signed_on
    return None


def open_data_due_date(signed_on: date) -> date:
    """Return the last day to publish the agreement's data: three months after signature."""
    return add_months(signed_on, OPEN_DATA_DELAY_MONTHS)


def expected_documents(convention, *, auditor_required: bool) -> list[ExpectedDocument]:
    """Return the documents the association owes for ``convention`` in its current state, with due dates.

    Once voted, the documents due on signature (those due before it among them); once signed, every
    document; an obligation not yet in force for the agreement is left out (``documents_owed``). Documents due
    on signature have no due date until the agreement is signed. The auditor's report is owed
    only when the association must have a statutory auditor.
    """
    signed_on = agreement_date(convention)
    if convention.status not in ALL_DOCUMENTS_STATES:
        if convention.status not in BEFORE_SIGNATURE_STATES:
            return []
        # Voted, not signed yet: every document due on signature may be given now (undated until
        # the signature); the signature itself waits only for those due before it.
        return [ExpectedDocument(kind, signed_on) for kind in documents_owed(convention, ON_SIGNATURE)]
    after = AFTER_FISCAL_YEAR + ((DocumentKind.AUDITOR_REPORT,) if auditor_required else ())
    return [ExpectedDocument(kind, signed_on) for kind in documents_owed(convention, ON_SIGNATURE)] + [
        ExpectedDocument(kind, justification_due_date(convention, year), year)
        for year in yearly_document_years(convention) for kind in after
    ]


AUDITOR_THRESHOLD = Decimal("153000")


def auditor_required(public_subsidies: Decimal) -> bool:
    """Return True when public cash subsidies of the year reach 153 000 €."""
    return public_subsidies >= AUDITOR_THRESHOLD


@dataclass(frozen=True)
class AssociationYear:
    """What one association receives in one fiscal year, from every agreement and co-funder."""

    beneficiary_id: int
    year: int
    agreements_total: Decimal = ZERO
    public_cofunding: Decimal = ZERO
    budget_charges: Decimal | None = None
    by_funder: dict = field(default_factory=dict)
    #: Amounts the totals above leave out because they are not given (« non renseigné »): agreements
    #: before the vote, per funder, and public co-funders of the budget.
    unknown_by_funder: dict = field(default_factory=dict)
    unknown_cofunding: int = 0

    @property
    def unknown_amounts(self) -> int:
        """Return how many amounts ``public_subsidies`` could not count."""
        return sum(self.unknown_by_funder.values()) + self.unknown_cofunding

    def funder_unknown(self, funder_id: int) -> int:
        return self.unknown_by_funder.get(funder_id, 0)

    @property
    def public_subsidies(self) -> Decimal:
        """Return the public cash subsidies of the year: our agreements plus chapter 74 co-funders."""
        return self.agreements_total + self.public_cofunding

    def funder_total(self, funder_id: int) -> Decimal:
        return self.by_funder.get(funder_id, ZERO)

    def funder_share(self, funder_id: int) -> Decimal | None:
        """Return the funder's share of the association's budget (charges excluding in-kind)."""
        if self.budget_charges is None:
            return None
        return BudgetTotals(charges=self.budget_charges).funder_share(self.funder_total(funder_id))


def association_years(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], AssociationYear]:
    """Return the ``AssociationYear`` of each (beneficiary id, year) pair, in one query.

    Every agreement of the association for the year counts, at its amount in force (signed
    amendments included), except refused or cancelled ones. A multi-year agreement counts each
    year's amount in force in that year (``Tranche``), not its total in its first year.
    Public co-funders come from the forecast budgets' chapter 74 (``budgets.rules``): the
    association's global budget when it has one (the largest, if several), else the sum of the
    action budgets. That global budget's charges are the budget the 50 % test compares with.
    """
    pairs = set(pairs)
    if not pairs:
        return {}
    forecast = {"convention": OuterRef("pk"), "kind": BudgetKind.FORECAST}
    beneficiaries, years = {b for b, _y in pairs}, {y for _b, y in pairs}
    yearly = defaultdict(list)  # (beneficiary, year) -> [(funder, amount in force)] of multi-year agreements
    for beneficiary_id, year, funder_id, amount in (
            Tranche.objects.filter(convention__beneficiary_id__in=beneficiaries, year__in=years,
                                   convention__is_multiannual=True)
            .exclude(convention__status__in=VOID_STATES).with_amount_in_force().order_by()
            .values_list("convention__beneficiary_id", "year", "convention__funder_id", "amount_in_force")):
        yearly[(beneficiary_id, year)].append((funder_id, amount))
    rows = (
        with_budget_totals(Convention.objects.filter(
            beneficiary_id__in={b for b, _y in pairs}, fiscal_year__in={y for _b, y in pairs}
        ).exclude(status__in=VOID_STATES))
        .with_amount_in_force()
        .annotate(
            forecast_scope=Subquery(Budget.objects.filter(**forecast).of_agreement().values("scope")[:1]),
            cofunding=public_cofunding_subquery(
                Q(budget__convention=OuterRef("pk"), budget__kind=BudgetKind.FORECAST) & AGREEMENT_BUDGET
            ),
            cofunding_unknown=public_cofunding_unknown_subquery(
                Q(budget__convention=OuterRef("pk"), budget__kind=BudgetKind.FORECAST) & AGREEMENT_BUDGET
            ),
        )
        .order_by()
        .values("beneficiary_id", "fiscal_year", "funder_id", "amount_in_force", "forecast_charges",
                "forecast_scope", "cofunding", "cofunding_unknown", "is_multiannual")
    )
    grouped = defaultdict(list)
    for row in rows:
        grouped[(row["beneficiary_id"], row["fiscal_year"])].append(row)
    result = {}
    for key in pairs:
        group = grouped.get(key, [])
        by_funder, unknown_by_funder = defaultdict(lambda: ZERO), defaultdict(int)
        amounts = [(r["funder_id"], r["amount_in_force"]) for r in group if not r["is_multiannual"]] + yearly.get(key, [])
        for funder_id, amount in amounts:
            if amount is None:  # not given yet: counted apart, never as 0
                unknown_by_funder[funder_id] += 1
            else:
                by_funder[funder_id] += amount
        global_rows = [r for r in group if r["forecast_scope"] == BudgetScope.GLOBAL]
        if global_rows:
            main = max(global_rows, key=lambda r: r["forecast_charges"])
            cofunding, charges = main["cofunding"], main["forecast_charges"] or None
            cofunding_unknown = main["cofunding_unknown"]
        else:
            cofunding = sum((r["cofunding"] for r in group), ZERO)
            cofunding_unknown = sum(r["cofunding_unknown"] for r in group)
            charges = None
        result[key] = AssociationYear(
            beneficiary_id=key[0], year=key[1], agreements_total=sum(by_funder.values(), ZERO),
            public_cofunding=cofunding, budget_charges=charges, by_funder=dict(by_funder),
            unknown_by_funder=dict(unknown_by_funder), unknown_cofunding=cofunding_unknown,
        )
    return result


#: Agreements that never granted anything: they count for no threshold and owe nothing.
VOID_STATES = frozenset({Status.REFUSED, Status.CANCELLED})
