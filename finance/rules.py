"""The payment schedule's rules: advance, pro-rata, balance, recovery (DOMAIN.md §4, seed art. 4).

Pure functions on Decimals first (property-tested), then the functions that read an agreement.
Rounding happens once, at the cent, in ``core.money.round_cents``.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from budgets.models import Budget, BudgetKind, BudgetStatus
from budgets.rules import eligible_expenses_by_convention
from conventions.amounts import amounts_in_force, forecast_eligible_expenses
from conventions.models import Convention, Status
from core.money import ZERO, format_euros, percent_of, round_cents
from documents.models import Document, DocumentKind, DocumentStatus
from documents.obligations import AFTER_FISCAL_YEAR
from finance.models import PaymentKind, PaymentRequest, PaymentStatus, Recovery

#: Documents the balance waits for (art. 6.2 of the seed, and the financial report by law).
BALANCE_DOCUMENTS = AFTER_FISCAL_YEAR

ADVANCE_STATES = (Status.ACTIVE,)
BALANCE_STATES = (Status.ACTIVE, Status.JUSTIFICATION)


# --- Pure rules -----------------------------------------------------------------------------


def advance_cap(amount: Decimal, cap_percent: Decimal) -> Decimal:
    """Return the largest advance: ``cap_percent`` % of the amount, at the cent."""
    return percent_of(amount, cap_percent)


def final_grant(granted: Decimal, forecast_expenses: Decimal | None, actual_expenses: Decimal, *,
                maximum: bool = False) -> Decimal:
    """Return the grant due once expenses are known (art. 4.2).

    Lower actual expenses reduce the grant pro rata of the forecast eligible expenses (the
    forecast budget's, or the agreement's eligible base without one:
    ``conventions.amounts.forecast_eligible_expenses``); higher ones never increase it. A grant
    « dans la limite de » its amount (``maximum``) is a ceiling: it never pays more than the
    action actually spent either.
    """
    final = granted
    if forecast_expenses and forecast_expenses > 0 and actual_expenses < forecast_expenses:
        final = granted * actual_expenses / forecast_expenses
    if maximum:
        final = min(final, max(actual_expenses, ZERO))
    return round_cents(final)


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


# --- Reading agreements ----------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    """Where an agreement's money stands: what a finance officer reads before paying."""

    granted: Decimal | None  # None while the amount granted is not given (before the vote)
    advance_cap: Decimal | None
    paid: Decimal
    recovered: Decimal
    final: Decimal | None

    @property
    def remaining(self) -> Decimal | None:
        """Return what is still to be paid on the amount granted (or on the final amount once known)."""
        base = self.final if self.final is not None else self.granted
        return None if base is None else balance_due(base, self.paid, self.recovered)


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
        if convention.pk in validated and granted is not None:
            forecast = forecast_eligible_expenses(convention, expenses.get((convention.pk, BudgetKind.FORECAST)))
            final = final_grant(granted, forecast, expenses.get((convention.pk, BudgetKind.ACTUAL), ZERO),
                                maximum=convention.amount_is_maximum)
        result[convention.pk] = Schedule(
            granted=granted,
            advance_cap=None if granted is None else advance_cap(granted, convention.advance_cap_percent),
            paid=paid.get(convention.pk, ZERO), recovered=recovered.get(convention.pk, ZERO), final=final,
        )
    return result


def schedule(convention: Convention) -> Schedule:
    return schedules_for([convention])[convention.pk]


def final_amount(convention: Convention) -> Decimal | None:
    """Return the final grant once the actual budget is validated, else None."""
    return schedule(convention).final


def paid_before_request(request: PaymentRequest, money: Schedule | None = None) -> Decimal:
    """Return what was paid on the agreement before ``request`` (the request itself excluded once paid)."""
    money = money or schedule(request.convention)
    return round_cents(money.paid - (request.amount if request.status == PaymentStatus.PAID else ZERO))


def overpayment_refusal(request: PaymentRequest) -> str | None:
    """Return why paying ``request`` is refused (the total paid would exceed the amount granted), or None."""
    money = schedule(request.convention)
    if money.granted is None:
        return _("Le montant attribué n'est pas renseigné : aucun versement n'est possible.")
    if money.paid + request.amount > money.granted:
        return _("Ce versement porterait le total versé au-delà du montant attribué.")
    if money.final is not None and money.paid - money.recovered + request.amount > money.final:
        return _("Ce versement porterait le total versé au-delà du montant final de la subvention "
                 "(%(final)s), calculé sur les dépenses réelles.") % {"final": format_euros(money.final)}
    return None


def remaining_after_request(request: PaymentRequest, money: Schedule | None = None) -> Decimal | None:
    """Return what will remain to pay once ``request`` is paid (« Reste à verser après cette demande »).

    Built on the schedule: on the final grant once the actual budget is validated (pro rata,
    art. 4.2), else on the amount granted; recoveries count back. ``money`` is the agreement's
    schedule when the caller already has it (lists, bundled PDFs).
    """
    money = money or schedule(request.convention)
    base = money.final if money.final is not None else money.granted
    if base is None:
        return None  # the amount granted is not given: nothing to count from
    if request.status == PaymentStatus.REJECTED:
        return balance_due(base, money.paid, money.recovered)  # a rejected request will never be paid
    return balance_due(base, paid_before_request(request, money) + request.amount, money.recovered)




def _advance_state_refusal(status: str) -> str | None:
    """Return why the advance cannot be requested in agreement state ``status``, or None when it can."""
    if status in ADVANCE_STATES:
        return None
    if status == Status.JUSTIFICATION:
        return _("La période de l'acompte est close : la convention est en justification, seul le solde peut "
                 "désormais être demandé.")
    if status == Status.CLOSED:
        return _("La convention est soldée : plus aucun versement ne peut être demandé.")
    if status == Status.TERMINATED:
        return _("La convention est résiliée : aucun versement ne peut plus être demandé.")
    if status == Status.REFUSED:
        return _("La demande de subvention a été refusée : aucun versement n'est dû.")
    if status == Status.CANCELLED:
        return _("La convention est annulée : aucun versement n'est dû.")
    return _("L'acompte ne peut être demandé qu'une fois la convention signée par les deux parties et notifiée.")


def request_refusals_for(conventions) -> dict[tuple[int, str], str | None]:
    """Return, for each agreement and kind of payment, why it cannot be requested now (None: it can).

    The one rule behind the portal's payments page, its home page (« À faire ») and the request
    service; a fixed number of queries whatever the number of agreements.
    """
    conventions = list(conventions)
    ids = [c.pk for c in conventions]
    open_requests = {}
    for convention_id, kind, status in (PaymentRequest.objects.filter(convention__in=ids)
                                        .exclude(status=PaymentStatus.REJECTED)
                                        .values_list("convention_id", "kind", "status")):
        open_requests[(convention_id, kind)] = status
    accepted = defaultdict(set)
    for convention_id, kind in Document.objects.filter(
            convention__in=ids, kind__in=BALANCE_DOCUMENTS, status=DocumentStatus.ACCEPTED).values_list("convention_id", "kind"):
        accepted[convention_id].add(kind)
    schedules = schedules_for(conventions)
    result = {}
    for convention in conventions:
        result[(convention.pk, PaymentKind.ADVANCE)] = _advance_refusal(convention, open_requests)
        result[(convention.pk, PaymentKind.BALANCE)] = _balance_refusal(
            convention, open_requests, accepted[convention.pk], schedules[convention.pk])
    return result


def _advance_refusal(convention, open_requests) -> str | None:
    if reason := _advance_state_refusal(convention.status):
        return reason
    if (convention.pk, PaymentKind.ADVANCE) in open_requests:
        return _("Une demande d'acompte existe déjà pour cette convention.")
    return None


def _balance_refusal(convention, open_requests, accepted: set, money: Schedule) -> str | None:
    if convention.status not in BALANCE_STATES:
        return _("Le solde ne peut être demandé que pour une convention en cours d'exécution ou de justification.")
    if (convention.pk, PaymentKind.BALANCE) in open_requests:
        return _("Une demande de solde existe déjà pour cette convention.")
    missing = [DocumentKind(kind).label for kind in BALANCE_DOCUMENTS if kind not in accepted]
    if missing:
        return _("Le solde suppose les justificatifs de l'article 6.2 acceptés ; il manque : %(missing)s.") % {
            "missing": ", ".join(str(label) for label in missing)
        }
    if money.final is None:
        return _("Le solde suppose le budget réalisé (compte rendu financier) validé par la collectivité.")
    if open_requests.get((convention.pk, PaymentKind.ADVANCE)) not in (None, PaymentStatus.PAID):
        return _("La demande d'acompte doit être mandatée avant la demande de solde.")
    if money.remaining <= 0:
        return _(
            "Aucun solde n'est dû : le montant final est de %(final)s et %(paid)s ont déjà été versés. "
            "La collectivité émettra, le cas échéant, un titre de recette."
        ) % {"final": format_euros(money.final), "paid": format_euros(money.paid)}
    return None


def advance_refusal(convention: Convention) -> str | None:
    """Return why the advance cannot be requested now, or None when it can (the reason depends on the state)."""
    return request_refusals_for([convention])[(convention.pk, PaymentKind.ADVANCE)]


def advance_amount(convention: Convention) -> Decimal:
    return schedule(convention).advance_cap


def advance_cap_refusal(convention: Convention, amount: Decimal) -> str | None:
    """Return why an advance of ``amount`` is refused (above the agreement's cap), or None."""
    cap = schedule(convention).advance_cap
    if cap is None:
        return _("Le montant attribué n'est pas renseigné : aucun acompte n'est possible.")
    if amount > cap:
        return _("L'acompte ne peut dépasser %(cap)s, plafond fixé par la convention.") % {"cap": format_euros(cap)}
    return None


def balance_refusal(convention: Convention) -> str | None:
    """Return why the balance cannot be requested now, or None when it can."""
    return request_refusals_for([convention])[(convention.pk, PaymentKind.BALANCE)]


def balance_amount(convention: Convention) -> Decimal:
    return schedule(convention).remaining


def request_refusal(convention: Convention, kind: str) -> str | None:
    return advance_refusal(convention) if kind == PaymentKind.ADVANCE else balance_refusal(convention)


def request_amount(convention: Convention, kind: str) -> Decimal:
    return advance_amount(convention) if kind == PaymentKind.ADVANCE else balance_amount(convention)
