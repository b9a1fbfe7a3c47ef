"""What the staff dashboard shows: money per year and state, overdue items, dependency.

Reads only, each in a fixed number of queries whatever the number of agreements.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from budgets.rules import totals_from_annotations
from budgets.selectors import conventions_for_list
from compliance.checks import CHECK_DOCUMENTS, State, checks_by_convention, for_compliance
from compliance.reminders import OWED_DOCUMENTS, OWED_REPORTS, REMINDED_STATES, report_due_date
from conventions.amounts import amounts_by_year, funder_shares
from conventions.models import Convention, Status
from core.money import ZERO
from documents.obligations import VOID_STATES
from documents.vault import papers_in_force, vault_cover
from finance.models import PaymentRequest, PaymentStatus
from indicators.models import IndicatorReport

#: Voted and not yet settled: what is granted and not paid is still to pay.
PAYABLE_STATES = (Status.VOTED, Status.SIGNED, Status.ACTIVE, Status.JUSTIFICATION)
#: Not voted yet: the amount is only asked for.
PREPARATION_STATES = (Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW)


@dataclass(frozen=True)
class MoneyRow:
    """The agreements of one year in one state, and their money (a multi-year agreement: that year's tranche)."""

    year: int
    status: str
    count: int
    granted: Decimal  # the known amounts; ``unknown`` counts those not given (before the vote)
    paid: Decimal
    unknown: int = 0
    #: The agreements counted: a multi-year agreement is in the row of each of its years, once in a total.
    convention_ids: frozenset = frozenset()

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def to_pay(self) -> Decimal:
        return self.granted - self.paid if self.status in PAYABLE_STATES else ZERO

    @property
    def in_preparation(self) -> Decimal:
        return self.granted if self.status in PREPARATION_STATES else ZERO

    @property
    def in_preparation_unknown(self) -> int:
        return self.unknown if self.status in PREPARATION_STATES else 0


@dataclass(frozen=True)
class MoneyTotal:
    """The sum of several ``MoneyRow`` (one year, or one state)."""

    key: object
    label: str
    count: int = 0
    granted: Decimal = ZERO
    paid: Decimal = ZERO
    to_pay: Decimal = ZERO
    in_preparation: Decimal = ZERO
    in_preparation_unknown: int = 0  # agreements in preparation whose amount is not given yet


def money_by_year_and_state() -> list[MoneyRow]:
    """Return the count, amount granted and amount paid of each (year, state), in three queries.

    The amount granted is the amount in force: signed amendments included, draft ones not. A
    multi-year agreement counts each year's amount in that year (``conventions.amounts.amounts_by_year``),
    and what was paid on a year in that year.
    """
    paid = {
        (row["year"], row["convention__status"]): row["total"]
        for row in PaymentRequest.objects.filter(status=PaymentStatus.PAID)
        .annotate(year=Coalesce("tranche__year", "convention__fiscal_year"))
        .values("year", "convention__status").annotate(total=Sum("amount")).order_by()
    }
    groups = defaultdict(list)
    for item in amounts_by_year(Convention.objects.all()):
        groups[(item.year, item.status)].append(item)
    order = {status: index for index, status in enumerate(Status.values)}
    rows = [
        MoneyRow(year, status, len(items), sum((i.amount for i in items if i.amount is not None), ZERO),
                 paid.get((year, status), ZERO), sum(1 for i in items if i.amount is None),
                 frozenset(i.convention_id for i in items))
        for (year, status), items in groups.items()
    ]
    return sorted(rows, key=lambda r: (-r.year, order[r.status]))


def money_total(key, label, rows) -> MoneyTotal:
    """Add up ``rows``; an agreement in several of them (a multi-year one, in each of its years) counts once."""
    return MoneyTotal(
        key, label, len(frozenset().union(*(r.convention_ids for r in rows))),
        sum((r.granted for r in rows if r.status not in PREPARATION_STATES and r.status not in VOID_STATES), ZERO),
        sum((r.paid for r in rows), ZERO), sum((r.to_pay for r in rows), ZERO),
        sum((r.in_preparation for r in rows), ZERO), sum(r.in_preparation_unknown for r in rows),
    )


def totals_by_year(rows: list[MoneyRow]) -> list[MoneyTotal]:
    """Return one total per year, oldest first (the order of a chart's axis)."""
    by_year = defaultdict(list)
    for row in rows:
        by_year[row.year].append(row)
    return [money_total(year, str(year), by_year[year]) for year in sorted(by_year)]


def totals_by_state(rows: list[MoneyRow]) -> list[MoneyTotal]:
    """Return one total per state present, in the lifecycle's order."""
    by_state = defaultdict(list)
    for row in rows:
        by_state[row.status].append(row)
    return [money_total(status, Status(status).label, by_state[status]) for status in Status.values if status in by_state]


@dataclass(frozen=True)
class Dependency:
    convention: Convention
    granted: Decimal
    charges: Decimal
    share: Decimal | None
    share_with_in_kind: Decimal | None


def dependencies() -> list[Dependency]:
    """Return the funder's share of each association's budget, per agreement, highest first.

    The share is that of the amount in force (signed amendments included) in the forecast charges.
    """
    conventions = conventions_for_list(Convention.objects.exclude(status__in=VOID_STATES)).order_by("-fiscal_year", "reference")
    rows = []
    for convention in conventions:
        totals = totals_from_annotations(convention)
        shares = funder_shares(convention, totals)
        rows.append(Dependency(convention, shares.amount, totals.charges, shares.excluding_in_kind,
                               shares.including_in_kind))
    return sorted(rows, key=lambda d: (d.share is None, -(d.share or ZERO)))


@dataclass(frozen=True)
class OverdueItem:
    convention: Convention
    category: str
    label: str
    due_on: date
    days_late: int
    detail: str = ""
    legal_basis: str = ""


def overdue_items(*, today: date) -> list[OverdueItem]:
    """Return everything overdue: legal obligations, documents and indicator reports, oldest first.

    A document that a late legal check already stands for (e.g. the financial report) is not
    listed twice.
    """
    conventions = for_compliance(Convention.objects.exclude(status__in=VOID_STATES)).prefetch_related(
        Prefetch("indicator_reports", queryset=IndicatorReport.objects.filter(status__in=OWED_REPORTS),
                 to_attr="owed_reports"),
    )
    conventions = list(conventions)
    in_force = papers_in_force({c.beneficiary_id for c in conventions}, on=today)
    checks = checks_by_convention(conventions, today=today, vault_in_force=in_force)
    items = []
    for convention in conventions:
        covered = set()
        for check in checks[convention.pk]:
            if check.state == State.LATE:
                covered.add(CHECK_DOCUMENTS.get(check.code))
                items.append(OverdueItem(convention, _("Obligation légale"), str(check.label), check.due_on,
                                         (today - check.due_on).days, check.detail, str(check.legal_basis)))
        if convention.status not in REMINDED_STATES:
            continue
        given = vault_cover(convention, on=today, in_force=in_force)  # the association's vault gives them
        for doc in convention.documents.all():
            if (doc.status in OWED_DOCUMENTS and doc.due_on and doc.due_on < today and doc.kind not in covered
                    and doc.kind not in given):
                detail = doc.rejection_reason and _("Refusée : %(reason)s") % {"reason": doc.rejection_reason}
                items.append(OverdueItem(convention, _("Pièce à fournir"), doc.get_kind_display(), doc.due_on,
                                         (today - doc.due_on).days, detail or ""))
        for report in convention.owed_reports:
            due = report_due_date(report, convention)
            if due and due < today:
                items.append(OverdueItem(convention, _("Indicateurs"), _("Rapport d'indicateurs %(year)s") % {
                    "year": report.year}, due, (today - due).days, report.get_status_display()))
    return sorted(items, key=lambda i: (i.due_on, i.convention.reference, i.label))

