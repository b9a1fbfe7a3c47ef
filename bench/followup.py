"""What follows an agreement's signature in the generated data: amendments, payments, documents, indicators.

Amounts come from the project's payment rules (``conventions.payments``): the advance is the cap
of the amount granted, the final grant is prorated on the actual expenses, a closed agreement's
payments minus its recoveries equal its final grant.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bench import plans
from budgets import chart
from budgets.models import BudgetStatus
from conventions.models import Amendment, AmendmentStatus, Status
from core.deadlines import add_months, justification_due_date
from core.money import ZERO, percent_of
from documents.models import Document, DocumentStatus
from documents.obligations import ON_SIGNATURE, auditor_required, expected_documents
from finance.models import PaymentKind, PaymentRequest, PaymentStatus, Recovery
from finance.rules import balance_due, final_grant, termination_recovery
from indicators.models import IndicatorReport, IndicatorValue, ReportStatus, Role

PS = PaymentStatus
REJECTION = "Relevé d'identité bancaire illisible : merci d'en déposer un à jour avant un nouveau dépôt."


@dataclass(frozen=True)
class Phase:
    """Where an agreement stands in its justification: which actual budget, which balance."""

    name: str
    actual_budget_status: str | None = None


def justification_phase(rng: random.Random, status: str) -> Phase:
    if status == Status.CLOSED:
        return Phase("closed", BudgetStatus.VALIDATED)
    if status != Status.JUSTIFICATION:
        return Phase("none")
    name = rng.choices(["waiting", "review", "balance"], weights=[40, 20, 40])[0]
    actual = {"waiting": BudgetStatus.DRAFT, "review": rng.choice([BudgetStatus.SUBMITTED, BudgetStatus.RETURNED]),
              "balance": BudgetStatus.VALIDATED}[name]
    return Phase(name, actual)


def _charges(lines) -> Decimal:
    codes = set(chart.codes(side=chart.CHARGES, in_kind=False))
    return plans.euros(sum(line.cents for line in lines if line.code in codes))


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)


def _parts(rng: random.Random, total: int, count: int) -> list[int]:
    """Split ``total`` into ``count`` whole parts (zeros allowed) that add up to it."""
    cuts = sorted(rng.randint(0, total) for _ in range(count - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


@dataclass
class Rows:
    """The rows of one chunk, in insertion order; children point to their (not yet saved) parents."""

    beneficiaries: list = field(default_factory=list)
    users: list = field(default_factory=list)
    memberships: list = field(default_factory=list)
    conventions: list = field(default_factory=list)
    status_changes: list = field(default_factory=list)
    budgets: list = field(default_factory=list)
    budget_lines: list = field(default_factory=list)
    amendments: list = field(default_factory=list)
    payment_requests: list = field(default_factory=list)
    recoveries: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    indicator_reports: list = field(default_factory=list)
    indicator_values: list = field(default_factory=list)

    def write_followups(self, bulk) -> None:
        for model, objects in ((Amendment, self.amendments), (PaymentRequest, self.payment_requests),
                               (Recovery, self.recoveries), (Document, self.documents),
                               (IndicatorReport, self.indicator_reports), (IndicatorValue, self.indicator_values)):
            bulk(model, objects)

    def plan_followups(self, rng, *, convention, user, status, phase, forecast, actual, common) -> None:
        granted = convention.amount_granted + self._amendments(rng, convention, status, common)
        self._payments(rng, convention, user, status, phase, granted, forecast, actual, common)
        if plans.reached(status, Status.ACTIVE):
            self._documents(rng, convention, status, phase, common)
            self._indicators(rng, convention, status, phase, common)

    def _amendments(self, rng, convention, status, common) -> Decimal:
        """Add a signed amendment to some signed agreements; return the change of amount it makes."""
        change = ZERO
        if status in (Status.SIGNED, Status.ACTIVE, Status.JUSTIFICATION, Status.CLOSED) and rng.random() < 0.06:
            change = plans.euros(500 * rng.randint(2, 20) * 100)
            signed_on = convention.funder_signed_on + timedelta(days=rng.randint(20, 60))
            self.amendments.append(Amendment(
                convention=convention, number=1, subject="Complément de subvention et prolongation",
                text="L'article 4.1 est modifié : le montant de la subvention est augmenté. La période est prolongée de trois mois.",
                amount_change=change, new_period_end=add_months(convention.period_end, 3),
                status=AmendmentStatus.SIGNED, beneficiary_signed_on=signed_on, funder_signed_on=signed_on,
                signed_pdf=common.pdf_name, signed_pdf_sha256=common.pdf_sha256,
            ))
        if status in (Status.ACTIVE, Status.JUSTIFICATION) and rng.random() < 0.03:
            self.amendments.append(Amendment(
                convention=convention, number=len([a for a in self.amendments if a.convention is convention]) + 1,
                subject="Modification du programme d'actions", text="L'annexe III est remplacée.",
                amount_change=ZERO, status=AmendmentStatus.DRAFT,
            ))
        return change

    def _request(self, convention, user, kind, amount, status, certified_on):
        beneficiary = convention.beneficiary
        request = PaymentRequest(
            convention=convention, kind=kind, amount=amount, status=status,
            certified_by_name=beneficiary.representative_name, certified_by_quality=beneficiary.representative_title,
            certified_on=certified_on, submitted_by=user, budget_imputation="65748 — subventions aux associations",
        )
        if status in (PS.FINANCE_APPROVED, PS.PAID):
            request.commitment_number = f"EJ-{convention.reference[4:]}-{kind[0].upper()}"
        if status == PS.PAID:
            request.payment_order_number = f"M-{convention.reference[4:]}-{kind[0].upper()}"
            request.paid_on = certified_on + timedelta(days=21)
        if status == PS.REJECTED:
            request.rejection_reason = REJECTION
        self.payment_requests.append(request)
        return request

    def _payments(self, rng, convention, user, status, phase, granted, forecast, actual, common) -> None:
        if not plans.reached(status, Status.ACTIVE):
            return
        advance = percent_of(granted, convention.advance_cap_percent)
        advance_on = convention.notified_on + timedelta(days=rng.randint(3, 30))
        if status == Status.ACTIVE:
            state = rng.choices([None, PS.SUBMITTED, PS.STAFF_APPROVED, PS.FINANCE_APPROVED, PS.PAID, PS.REJECTED],
                                weights=[15, 20, 20, 15, 25, 5])[0]
            if state:
                self._request(convention, user, PaymentKind.ADVANCE, advance, state, advance_on)
            if state == PS.REJECTED and rng.random() < 0.5:
                self._request(convention, user, PaymentKind.ADVANCE, advance, PS.SUBMITTED, advance_on + timedelta(days=7))
            return
        paid = ZERO
        if status == Status.CLOSED or rng.random() < 0.9:
            self._request(convention, user, PaymentKind.ADVANCE, advance, PS.PAID, advance_on)
            paid = advance
        if status == Status.TERMINATED:
            amount = termination_recovery(
                paid=paid, granted=granted, start=convention.period_start, end=convention.period_end,
                terminated_on=convention.terminated_on, pro_rata_temporis=rng.random() < 0.7,
            )
            if amount > 0:
                self.recoveries.append(Recovery(
                    convention=convention, amount=amount, issued_on=convention.terminated_on + timedelta(days=10),
                    reason="Résiliation (art. 8) après mise en demeure restée sans effet.",
                ))
            return
        if phase.name not in ("balance", "closed"):
            return
        final = final_grant(granted, _charges(forecast), _charges(actual))
        remaining = balance_due(final, paid)
        balance_on = date(convention.fiscal_year + 1, rng.randint(5, 10), rng.randint(1, 28))
        if remaining > 0:
            state = PS.PAID if status == Status.CLOSED else rng.choices(
                [PS.SUBMITTED, PS.STAFF_APPROVED, PS.FINANCE_APPROVED, PS.PAID, PS.REJECTED], weights=[25, 25, 20, 15, 15]
            )[0]
            self._request(convention, user, PaymentKind.BALANCE, remaining, state, balance_on)
        elif remaining < 0:
            closed = status == Status.CLOSED
            self.recoveries.append(Recovery(
                convention=convention, amount=-remaining, issued_on=balance_on,
                reason="Trop-perçu : dépenses réalisées inférieures au budget prévisionnel (art. 4.2).",
                revenue_order_number=f"T-{convention.reference[4:]}" if closed else "",
                recovered_on=balance_on + timedelta(days=45) if closed else None,
            ))

    def _documents(self, rng, convention, status, phase, common) -> None:
        DS = DocumentStatus
        expected = expected_documents(convention, auditor_required=auditor_required(convention.amount_granted))
        for item in expected:
            kind, due_on = item.kind, item.due_on
            if kind in ON_SIGNATURE:
                state = (rng.choices([DS.EXPECTED, DS.RECEIVED, DS.ACCEPTED, DS.REJECTED], weights=[25, 25, 45, 5])[0]
                         if status == Status.ACTIVE else rng.choices([DS.ACCEPTED, DS.RECEIVED], weights=[95, 5])[0])
            elif phase.name in ("closed", "balance"):
                state = DS.ACCEPTED
            elif phase.name == "review":
                state = rng.choices([DS.RECEIVED, DS.ACCEPTED, DS.REJECTED], weights=[40, 45, 15])[0]
            elif phase.name == "waiting":
                state = rng.choices([DS.EXPECTED, DS.RECEIVED], weights=[60, 40])[0]
            else:
                state = DS.EXPECTED
            delivered = state != DS.EXPECTED
            self.documents.append(Document(
                convention=convention, kind=kind, due_on=due_on, status=state,
                file=common.pdf_name if delivered else "",
                uploaded_at=_moment(due_on - timedelta(days=rng.randint(1, 20))) if delivered else None,
                rejection_reason="Document illisible : merci de le déposer à nouveau." if state == DS.REJECTED else "",
            ))

    def _indicators(self, rng, convention, status, phase, common) -> None:
        RS = ReportStatus
        if status == Status.CLOSED:
            state = RS.VALIDATED
        elif phase.name == "review":
            state = rng.choice([RS.SUBMITTED, RS.RETURNED])
        elif phase.name == "balance":
            state = rng.choices([RS.SUBMITTED, RS.VALIDATED], weights=[30, 70])[0]
        else:
            state = RS.DRAFT
        year = convention.fiscal_year
        due_on = justification_due_date(convention)
        report = IndicatorReport(
            convention=convention, indicator_set=common.indicator_sets[year], year=year, status=state, due_on=due_on,
            submitted_at=_moment(due_on - timedelta(days=30)) if state != RS.DRAFT else None,
            reviewed_by=common.agent if state in (RS.VALIDATED, RS.RETURNED) else None,
            review_comment="Merci de ventiler les emplois créés par sexe." if state == RS.RETURNED else "",
        )
        self.indicator_reports.append(report)
        if state == RS.DRAFT and rng.random() < 0.5:
            return  # a draft not started yet
        totals = {}
        definitions = common.definitions[year]
        for definition in definitions:
            if definition.role != Role.MAIN:
                continue
            total = rng.randint(5, 400)
            totals[definition.pk] = total
            value = IndicatorValue(report=report, definition=definition, total=Decimal(total))
            if definition.split_by_sex:
                women = rng.randint(0, total)
                not_stated = rng.randint(0, (total - women) // 10)
                value.women, value.men, value.not_stated = Decimal(women), Decimal(total - women - not_stated), Decimal(not_stated)
            self.indicator_values.append(value)
        for parent_pk, total in totals.items():
            children = [d for d in definitions if d.parent_id == parent_pk]
            if not children:
                continue
            is_band = children[0].role == Role.BAND
            parts = _parts(rng, total, len(children) + (0 if is_band else 1))
            for child, part in zip(children, parts, strict=False):
                self.indicator_values.append(IndicatorValue(report=report, definition=child, total=Decimal(part)))
