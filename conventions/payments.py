"""The payment schedule's rules: advance, pro-rata, balance, recovery (DOMAIN.md §4, seed art. 4).

Pure functions on Decimals first (property-tested), then the functions that read an agreement.
Rounding happens once, at the cent, in ``conventions.money.round_cents``.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from budgets.models import Budget, BudgetKind, BudgetStatus
from budgets.rules import eligible_expenses_by_convention

from .models import (
    MONEY,
    Amendment,
    AmendmentStatus,
    Convention,
    DocumentKind,
    DocumentStatus,
    PaymentKind,
    PaymentRequest,
    PaymentStatus,
    Recovery,
    Status,
)
from .money import ZERO, format_euros, percent_of, round_cents
from .obligations import AFTER_FISCAL_YEAR

#: Documents the balance waits for (art. 6.2 of the seed, and the financial report by law).
BALANCE_DOCUMENTS = AFTER_FISCAL_YEAR

ADVANCE_STATES = (Status.ACTIVE,)
BALANCE_STATES = (Status.ACTIVE, Status.JUSTIFICATION)


# --- Pure rules -----------------------------------------------------------------------------


def advance_cap(amount: Decimal, cap_percent: Decimal) -> Decimal:
    """Return the largest advance: ``cap_percent`` % of the amount, at the cent."""
    return percent_of(amount, cap_percent)


def final_grant(granted: Decimal, forecast_expenses: Decimal, actual_expenses: Decimal) -> Decimal:
    """Return the grant due once expenses are known (art. 4.2).

    Lower actual expenses reduce the grant pro rata; higher ones never increase it.
    """
    if forecast_expenses <= 0 or actual_expenses >= forecast_expenses:
        return round_cents(granted)
    return round_cents(granted * actual_expenses / forecast_expenses)


def balance_due(final: Decimal, paid: Decimal, recovered: Decimal = ZERO) -> Decimal:
    """Return what remains to pay; a negative result is an amount to recover."""
    return round_cents(final - (paid - recovered))


def termination_recovery(*, paid: Decimal, granted: Decimal, start: date, end: date, terminated_on: date,
                         pro_rata_temporis: bool) -> Decimal:
    """Return what the association pays back when the agreement is terminated (art. 8).

    In full: everything paid. Pro rata temporis: what was paid beyond the share of the grant
    that corresponds to the days elapsed before termination.
    """
    if not pro_rata_temporis:
        return round_cents(paid)
    total_days = (end - start).days + 1
    elapsed = min(max((terminated_on - start).days, 0), total_days)
    earned = round_cents(granted * Decimal(elapsed) / Decimal(total_days))
    return max(round_cents(paid - earned), ZERO)


# --- The amount in force ---------------------------------------------------------------------


def amount_in_force_expression(*, before_number: int | None = None):
    """Return the SQL expression of an agreement's amount in force, for ``annotate``/``Sum``.

    The amount in force is the amount granted plus the changes of the agreement's *signed*
    amendments (a draft amendment changes nothing). With ``before_number``, only the signed
    amendments numbered below it count: the amount an amendment starts from.

    This is the one definition of the rule: ``ConventionQuerySet.with_amount_in_force``,
    ``schedules_for`` (hence ``effective_amount`` and every schedule) and ``amendment_amounts``
    all use it.
    """
    amendments = Amendment.objects.filter(convention=OuterRef("pk"), status=AmendmentStatus.SIGNED)
    if before_number is not None:
        amendments = amendments.filter(number__lt=before_number)
    changes = amendments.order_by().values("convention").annotate(total=Sum("amount_change")).values("total")
    money = DecimalField(**MONEY)
    return ExpressionWrapper(
        F("amount_granted") + Coalesce(Subquery(changes, output_field=money), Value(ZERO), output_field=money),
        output_field=money,
    )


def amounts_in_force(convention_ids) -> dict[int, Decimal]:
    """Return the amount in force of each agreement, in one query."""
    rows = Convention.objects.filter(pk__in=convention_ids).annotate(in_force=amount_in_force_expression())
    return {pk: round_cents(amount) for pk, amount in rows.values_list("pk", "in_force")}


def effective_amount(convention: Convention) -> Decimal:
    """Return the amount in force: the amount granted plus the changes of signed amendments.

    Reads the ``amount_in_force`` annotation when the agreement was loaded with
    ``Convention.objects.with_amount_in_force()`` (no query), else asks the database (one query).
    """
    annotated = getattr(convention, "amount_in_force", None)
    if annotated is not None:
        return round_cents(annotated)
    return amounts_in_force([convention.pk])[convention.pk]


@dataclass(frozen=True)
class FunderShares:
    """The funder's share of a budget's charges, without and with in-kind contributions."""

    amount: Decimal  # the amount in force the shares are of
    excluding_in_kind: Decimal | None
    including_in_kind: Decimal | None


def funder_shares(convention: Convention, totals) -> FunderShares:
    """Return the funder's shares of ``totals`` (a ``BudgetTotals``): those of the amount in force."""
    amount = effective_amount(convention)
    return FunderShares(amount, totals.funder_share(amount), totals.funder_share_with_in_kind(amount))


def amendment_amounts(amendment: Amendment) -> tuple[Decimal, Decimal]:
    """Return the amount in force before ``amendment`` and once it applies (one query).

    Before: the amount granted plus the signed amendments numbered below it; after: that plus
    its own change. The amendment's PDF prints both (« il passe de … à … »).
    """
    before = round_cents(
        Convention.objects.filter(pk=amendment.convention_id)
        .annotate(before=amount_in_force_expression(before_number=amendment.number))
        .values_list("before", flat=True).get()
    )
    return before, round_cents(before + amendment.amount_change)


def granting_line_expected_amount(budget) -> Decimal:
    """Return what the granting funder's line of ``budget`` must show (DOMAIN.md §5).

    A forecast budget is annex I of the agreement as signed (frozen at signature; amendments
    come after): the amount granted. An actual budget (compte rendu financier) reports what the
    association obtained: the amount in force, signed amendments included. (The funder's *share*
    of a budget is always that of the amount in force: ``effective_amount``.)
    """
    if budget.kind == BudgetKind.ACTUAL:
        return effective_amount(budget.convention)
    return budget.convention.amount_granted


# --- Reading agreements ----------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """Where an agreement's money stands: what a finance officer reads before paying."""

    granted: Decimal
    advance_cap: Decimal
    paid: Decimal
    recovered: Decimal
    final: Decimal | None

    @property
    def remaining(self) -> Decimal:
        """Return what is still to be paid on the amount granted (or on the final amount once known)."""
        base = self.final if self.final is not None else self.granted
        return balance_due(base, self.paid, self.recovered)


def _sums_by_convention(queryset, field: str) -> dict[int, Decimal]:
    return dict(queryset.values_list("convention").annotate(total=Sum(field)).order_by())


def schedules_for(conventions) -> dict[int, Schedule]:
    """Return the schedule of each agreement, in a fixed number of queries whatever their number."""
    conventions = list(conventions)
    ids = [c.pk for c in conventions]
    in_force = amounts_in_force(ids)
    paid = _sums_by_convention(PaymentRequest.objects.filter(convention__in=ids, status=PaymentStatus.PAID), "amount")
    recovered = _sums_by_convention(Recovery.objects.filter(convention__in=ids), "amount")
    expenses = eligible_expenses_by_convention(ids)
    validated = set(
        Budget.objects.filter(convention__in=ids, kind=BudgetKind.ACTUAL, status=BudgetStatus.VALIDATED)
        .values_list("convention", flat=True)
    )
    result = {}
    for convention in conventions:
        granted = in_force[convention.pk]
        final = None
        if convention.pk in validated:
            final = final_grant(granted, expenses.get((convention.pk, BudgetKind.FORECAST), ZERO),
                                expenses.get((convention.pk, BudgetKind.ACTUAL), ZERO))
        result[convention.pk] = Schedule(
            granted=granted, advance_cap=advance_cap(granted, convention.advance_cap_percent),
            paid=paid.get(convention.pk, ZERO), recovered=recovered.get(convention.pk, ZERO), final=final,
        )
    return result


def schedule(convention: Convention) -> Schedule:
    return schedules_for([convention])[convention.pk]


def final_amount(convention: Convention) -> Decimal | None:
    """Return the final grant once the actual budget is validated, else None."""
    return schedule(convention).final


def effective_period_end(convention: Convention) -> date | None:
    """Return the end of the agreement's period, as moved by its latest signed amendment."""
    moved = (
        convention.amendments.filter(status=AmendmentStatus.SIGNED, new_period_end__isnull=False)
        .order_by("-number").values_list("new_period_end", flat=True).first()
    )
    return moved or convention.period_end


def _open_request(convention: Convention, kind: str):
    return convention.payment_requests.exclude(status=PaymentStatus.REJECTED).filter(kind=kind).first()


def advance_refusal(convention: Convention) -> str | None:
    """Return why the advance cannot be requested now, or None when it can."""
    if convention.status not in ADVANCE_STATES:
        return _("L'acompte ne peut être demandé qu'une fois la convention signée par les deux parties et notifiée.")
    if _open_request(convention, PaymentKind.ADVANCE):
        return _("Une demande d'acompte existe déjà pour cette convention.")
    return None


def advance_amount(convention: Convention) -> Decimal:
    return schedule(convention).advance_cap


def balance_refusal(convention: Convention) -> str | None:
    """Return why the balance cannot be requested now, or None when it can."""
    if convention.status not in BALANCE_STATES:
        return _("Le solde ne peut être demandé que pour une convention en cours d'exécution ou de justification.")
    if _open_request(convention, PaymentKind.BALANCE):
        return _("Une demande de solde existe déjà pour cette convention.")
    accepted = set(
        convention.documents.filter(kind__in=BALANCE_DOCUMENTS, status=DocumentStatus.ACCEPTED).values_list("kind", flat=True)
    )
    missing = [DocumentKind(kind).label for kind in BALANCE_DOCUMENTS if kind not in accepted]
    if missing:
        return _("Le solde suppose les justificatifs de l'article 6.2 acceptés ; il manque : %(missing)s.") % {
            "missing": ", ".join(str(label) for label in missing)
        }
    money = schedule(convention)
    if money.final is None:
        return _("Le solde suppose le budget réalisé (compte rendu financier) validé par la collectivité.")
    pending = convention.payment_requests.filter(kind=PaymentKind.ADVANCE).exclude(
        status__in=[PaymentStatus.PAID, PaymentStatus.REJECTED]
    )
    if pending.exists():
        return _("La demande d'acompte doit être mandatée avant la demande de solde.")
    if money.remaining <= 0:
        return _(
            "Aucun solde n'est dû : le montant final est de %(final)s et %(paid)s ont déjà été versés. "
            "La collectivité émettra, le cas échéant, un titre de recette."
        ) % {"final": format_euros(money.final), "paid": format_euros(money.paid)}
    return None


def balance_amount(convention: Convention) -> Decimal:
    return schedule(convention).remaining


def request_refusal(convention: Convention, kind: str) -> str | None:
    return advance_refusal(convention) if kind == PaymentKind.ADVANCE else balance_refusal(convention)


def request_amount(convention: Convention, kind: str) -> Decimal:
    return advance_amount(convention) if kind == PaymentKind.ADVANCE else balance_amount(convention)
