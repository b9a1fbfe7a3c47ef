"""A multi-year agreement year by year, as the association's portal shows it (issue 16 item 6).

Each year of the schedule (``conventions.amounts.yearly_schedule``: its amount in force and its
vote) with what belongs to that year: its forecast and actual budgets, its payments (advance and
balance, with what was paid and what remains: ``finance.rules.tranche_schedules_for``), its
indicator report and its yearly documents. Nothing is computed here: each figure is read from
the rule that owns it. A fixed number of queries, whatever the number of years.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from budgets.models import Budget, BudgetKind
from conventions.amounts import YearLine, yearly_schedule
from documents.models import Document, DocumentStatus
from finance import rules as payments
from finance.models import PaymentKind, PaymentRequest, PaymentStatus
from finance.rules import Schedule
from indicators.models import IndicatorReport


@dataclass
class AgreementYear:
    """One year of a multi-year agreement and the state of what the association owes or receives for it."""

    line: YearLine
    money: Schedule
    forecast: Budget | None = None
    actual: Budget | None = None
    advance: PaymentRequest | None = None  # the year's latest advance request (a rejected one is kept if alone)
    balance: PaymentRequest | None = None
    report: IndicatorReport | None = None
    documents: list[Document] = field(default_factory=list)

    @property
    def year(self) -> int:
        return self.line.year

    @property
    def documents_received(self) -> int:
        return sum(1 for document in self.documents if document.status != DocumentStatus.EXPECTED)


def _latest(requests: list[PaymentRequest]) -> PaymentRequest | None:
    """Return the request that says where the payment stands: the open one, else the latest rejected."""
    open_ones = [r for r in requests if r.status != PaymentStatus.REJECTED]
    return (open_ones or requests or [None])[-1]


def agreement_years(convention) -> list[AgreementYear]:
    """Return the years of ``convention`` (empty for a one-year agreement) with their budgets, payments,
    indicator report and yearly documents."""
    schedule = yearly_schedule(convention)
    if not schedule:
        return []
    tranches = [line.tranche for line in schedule.lines]
    money = payments.tranche_schedules_for(tranches)
    years = {line.year: AgreementYear(line=line, money=money[line.tranche.pk]) for line in schedule.lines}
    for budget in Budget.objects.filter(convention=convention, year__in=list(years)):
        budget.convention = convention
        if budget.kind == BudgetKind.ACTUAL:
            years[budget.year].actual = budget
        else:
            years[budget.year].forecast = budget
    by_tranche = defaultdict(list)
    for request in convention.payment_requests.filter(tranche__in=tranches).order_by("created_at", "pk"):
        by_tranche[(request.tranche_id, request.kind)].append(request)
    for year in years.values():
        year.advance = _latest(by_tranche[(year.line.tranche.pk, PaymentKind.ADVANCE)])
        year.balance = _latest(by_tranche[(year.line.tranche.pk, PaymentKind.BALANCE)])
    for report in IndicatorReport.objects.filter(convention=convention, year__in=list(years)).yearly():
        years[report.year].report = report
    for document in Document.objects.filter(convention=convention, year__in=list(years)).order_by("kind"):
        years[document.year].documents.append(document)
    return [years[line.year] for line in schedule.lines]
