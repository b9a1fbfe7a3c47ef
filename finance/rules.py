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
from django.utils.translation import gettext_lazy

from budgets.models import Budget, BudgetKind, BudgetStatus
from budgets.rules import eligible_expenses_by_convention, eligible_expenses_by_year
from conventions.amounts import (
    amounts_in_force,
    forecast_eligible_expenses,
    tranche_amounts_in_force,
)
from conventions.models import Convention, Status, Tranche
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


def requested_total(requests) -> Decimal:
    """Return the total amount of the payment requests ``requests`` (a queryset), 0 when there is none."""
    return requests.aggregate(total=Sum("amount"))["total"] or ZERO


def _sums_by_convention(queryset, field: str) -> dict[int, Decimal]:
    return dict(queryset.values_list("convention").annotate(total=Sum(field)).order_by())


def schedules_for(conventions) -> dict[int, Schedule]:
    """Return the schedule of each agreement, in a fixed number of queries whatever their number.

    A multi-year agreement's final grant is the sum of its years' (``tranche_schedules_for``),
    known once every year's is.
    """
    conventions = list(conventions)
    ids = [c.pk for c in conventions]
    in_force = amounts_in_force(ids)
    paid = _sums_by_convention(PaymentRequest.objects.filter(convention__in=ids, status=PaymentStatus.PAID), "amount")
    recovered = _sums_by_convention(Recovery.objects.filter(convention__in=ids), "amount")
    expenses = eligible_expenses_by_convention(ids)
    validated = set(
        Budget.objects.filter(convention__in=ids, kind=BudgetKind.ACTUAL, status=BudgetStatus.VALIDATED,
                              year__isnull=True)
        .values_list("convention", flat=True)
    )
    with_years, yearly_finals = _yearly_finals([c for c in conventions if c.is_multiannual])
    result = {}
    for convention in conventions:
        granted = in_force[convention.pk]
        final = None
        if convention.pk in with_years:
            final = yearly_finals.get(convention.pk)
        elif convention.pk in validated and granted is not None:
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


# --- Multi-year agreements: the same rules, year by year ------------------------------------


def tranches_of(conventions) -> list[Tranche]:
    """Return the years of the given agreements, each attached to its (already loaded) agreement: one query."""
    by_pk = {c.pk: c for c in conventions}
    tranches = list(Tranche.objects.filter(convention__in=list(by_pk)).order_by("convention", "year"))
    for tranche in tranches:
        tranche.convention = by_pk[tranche.convention_id]
    return tranches


def tranche_schedules_for(tranches) -> dict[int, Schedule]:
    """Return the schedule of each year of multi-year agreements, in a fixed number of queries.

    The rules of a one-year agreement applied to one year: the year's amount in force (its
    amount and its signed amendments), the advance cap on it, what was paid on that year, and
    the year's final grant once its actual budget is validated — pro rata of that year's actual
    against its forecast eligible expenses (art. 4.2). Recoveries stay the agreement's.
    """
    tranches = list(tranches)
    convention_ids = {t.convention_id for t in tranches}
    in_force = tranche_amounts_in_force(convention_ids)
    paid = dict(PaymentRequest.objects.filter(tranche__in=[t.pk for t in tranches], status=PaymentStatus.PAID)
                .values_list("tranche").annotate(total=Sum("amount")).order_by())
    expenses = eligible_expenses_by_year(convention_ids)
    validated = set(
        Budget.objects.filter(convention__in=convention_ids, kind=BudgetKind.ACTUAL, status=BudgetStatus.VALIDATED,
                              year__isnull=False).values_list("convention", "year")
    )
    result = {}
    for tranche in tranches:
        convention, granted = tranche.convention, in_force.get(tranche.pk)
        final = None
        if (tranche.convention_id, tranche.year) in validated and granted is not None:
            key = (tranche.convention_id, BudgetKind.FORECAST, tranche.year)
            forecast = forecast_eligible_expenses(convention, expenses.get(key))
            actual = expenses.get((tranche.convention_id, BudgetKind.ACTUAL, tranche.year), ZERO)
            final = final_grant(granted, forecast, actual, maximum=convention.amount_is_maximum)
        result[tranche.pk] = Schedule(
            granted=granted,
            advance_cap=None if granted is None else advance_cap(granted, convention.advance_cap_percent),
            paid=paid.get(tranche.pk, ZERO), recovered=ZERO, final=final,
        )
    return result


def tranche_schedule(tranche: Tranche) -> Schedule:
    return tranche_schedules_for([tranche])[tranche.pk]


def _yearly_finals(conventions) -> tuple[set[int], dict[int, Decimal]]:
    """Return the multi-year agreements that have years, and the final grant of those whose every year has one.

    A multi-year agreement without years (taken over from before the schedule existed) keeps the
    rules of its agreement as a whole.
    """
    if not conventions:
        return set(), {}
    finals, complete = defaultdict(lambda: ZERO), defaultdict(lambda: True)
    tranches = tranches_of(conventions)
    of_tranche = {t.pk: t.convention_id for t in tranches}
    for tranche_pk, money in tranche_schedules_for(tranches).items():
        convention_id = of_tranche[tranche_pk]
        if money.final is None:
            complete[convention_id] = False
        else:
            finals[convention_id] += money.final
    return set(of_tranche.values()), {pk: round_cents(total) for pk, total in finals.items() if complete[pk]}


def request_schedules_for(requests) -> dict[int, Schedule]:
    """Return the schedule each request is paid from (its year's or its agreement's), keyed by request id.

    A fixed number of queries whatever the number of requests: lists and bundled PDFs use it.
    """
    requests = list(requests)
    conventions = {r.convention_id: r.convention for r in requests}
    by_agreement = schedules_for(conventions.values())
    tranche_ids = {r.tranche_id for r in requests if r.tranche_id}
    by_year = {}
    if tranche_ids:
        tranches = [t for t in tranches_of(conventions.values()) if t.pk in tranche_ids]
        by_year = tranche_schedules_for(tranches)
    return {r.pk: by_year[r.tranche_id] if r.tranche_id else by_agreement[r.convention_id] for r in requests}


def _request_schedule(request: PaymentRequest) -> Schedule:
    """Return the schedule a request is paid from: its year's for a multi-year agreement, else its agreement's."""
    if request.tranche_id:
        return tranche_schedule(request.tranche)
    return schedule(request.convention)


def tranche_request_refusals_for(tranches) -> dict[tuple[int, str], str | None]:
    """Return, for each year and kind of payment, why it cannot be requested now (None: it can).

    Each year has its advance and its balance (DOMAIN.md §11.7): the advance once the agreement
    is notified and the year voted; the balance once the year's documents of art. 6.2 are
    accepted and its actual budget validated, after its advance is paid. A fixed number of queries.
    """
    tranches = list(tranches)
    conventions = {t.convention_id: t.convention for t in tranches}
    open_requests = {}
    for tranche_id, kind, status in (PaymentRequest.objects.filter(tranche__in=[t.pk for t in tranches])
                                     .exclude(status=PaymentStatus.REJECTED)
                                     .values_list("tranche_id", "kind", "status")):
        open_requests[(tranche_id, kind)] = status
    accepted = defaultdict(set)
    for convention_id, year, kind in Document.objects.filter(
            convention__in=list(conventions), year__isnull=False, kind__in=BALANCE_DOCUMENTS,
            status=DocumentStatus.ACCEPTED).values_list("convention_id", "year", "kind"):
        accepted[(convention_id, year)].add(kind)
    schedules = tranche_schedules_for(tranches)
    result = {}
    for tranche in tranches:
        money = schedules[tranche.pk]
        result[(tranche.pk, PaymentKind.ADVANCE)] = _tranche_advance_refusal(tranche, open_requests, money)
        result[(tranche.pk, PaymentKind.BALANCE)] = _tranche_balance_refusal(
            tranche, open_requests, accepted[(tranche.convention_id, tranche.year)], money)
    return result


def _tranche_not_voted(tranche: Tranche) -> str | None:
    if tranche.voted_at is None:
        return _("Le montant de l'année %(year)s n'est pas encore voté : aucun versement ne peut être demandé "
                 "pour cette année.") % {"year": tranche.year}
    return None


def _tranche_advance_refusal(tranche: Tranche, open_requests, money: Schedule) -> str | None:
    if reason := _advance_state_refusal(tranche.convention.status):
        return reason
    if reason := _tranche_not_voted(tranche):
        return reason
    if (tranche.pk, PaymentKind.ADVANCE) in open_requests:
        return _("Une demande d'acompte existe déjà pour l'année %(year)s.") % {"year": tranche.year}
    if money.advance_cap is None or money.advance_cap <= 0:
        return _("Le montant de l'année %(year)s n'est pas renseigné : aucun acompte n'est possible.") % {
            "year": tranche.year}
    return None


def _tranche_balance_refusal(tranche: Tranche, open_requests, accepted: set, money: Schedule) -> str | None:
    if tranche.convention.status not in BALANCE_STATES:
        return _("Le solde ne peut être demandé que pour une convention en cours d'exécution ou de justification.")
    if reason := _tranche_not_voted(tranche):
        return reason
    if (tranche.pk, PaymentKind.BALANCE) in open_requests:
        return _("Une demande de solde existe déjà pour l'année %(year)s.") % {"year": tranche.year}
    missing = [DocumentKind(kind).label for kind in BALANCE_DOCUMENTS if kind not in accepted]
    if missing:
        return _("Le solde de l'année %(year)s suppose ses justificatifs de l'article 6.2 acceptés ; il manque : "
                 "%(missing)s.") % {"year": tranche.year, "missing": ", ".join(str(label) for label in missing)}
    if money.final is None:
        return _("Le solde de l'année %(year)s suppose son budget réalisé (compte rendu financier) validé.") % {
            "year": tranche.year}
    if open_requests.get((tranche.pk, PaymentKind.ADVANCE)) not in (None, PaymentStatus.PAID):
        return _("La demande d'acompte de l'année %(year)s doit être mandatée avant son solde.") % {"year": tranche.year}
    if money.remaining <= 0:
        return _("Aucun solde n'est dû pour l'année %(year)s : le montant final est de %(final)s et %(paid)s ont "
                 "déjà été versés.") % {"year": tranche.year, "final": format_euros(money.final),
                                        "paid": format_euros(money.paid)}
    return None


def tranche_request_refusal(tranche: Tranche, kind: str) -> str | None:
    return tranche_request_refusals_for([tranche])[(tranche.pk, kind)]


def tranche_request_amount(tranche: Tranche, kind: str) -> Decimal | None:
    """Return the amount of the year's advance (its cap) or balance (what remains on its final grant)."""
    money = tranche_schedule(tranche)
    return money.advance_cap if kind == PaymentKind.ADVANCE else money.remaining


#: A multi-year agreement is paid year by year: a request always names its year.
MULTIYEAR_REFUSAL = gettext_lazy("Convention pluriannuelle : chaque versement (acompte, solde) se demande pour une année.")


def final_amount(convention: Convention) -> Decimal | None:
    """Return the final grant once the actual budget is validated, else None."""
    return schedule(convention).final


def paid_before_request(request: PaymentRequest, money: Schedule | None = None) -> Decimal:
    """Return what was paid on the agreement before ``request`` (the request itself excluded once paid)."""
    money = money or _request_schedule(request)
    return round_cents(money.paid - (request.amount if request.status == PaymentStatus.PAID else ZERO))


def overpayment_refusal(request: PaymentRequest) -> str | None:
    """Return why paying ``request`` is refused (the total paid would exceed the amount granted), or None."""
    money = _request_schedule(request)
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
    money = money or _request_schedule(request)
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
    with_years = set(Tranche.objects.filter(convention__in=[c.pk for c in conventions if c.is_multiannual])
                     .values_list("convention_id", flat=True)) if any(c.is_multiannual for c in conventions) else set()
    result = {}
    for convention in conventions:
        if convention.pk in with_years:
            result[(convention.pk, PaymentKind.ADVANCE)] = result[(convention.pk, PaymentKind.BALANCE)] = str(
                MULTIYEAR_REFUSAL)
            continue
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
