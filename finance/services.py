"""Writes on payment requests and recoveries: each step checked, locked, audited, notified."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from beneficiaries.notify import absolute_url
from conventions.amounts import effective_period_end
from conventions.models import Convention, Tranche
from conventions.notifications import notify
from core.money import format_euros
from finance import rules as payments
from finance.models import PaymentKind, PaymentRequest, Recovery
from finance.steps import (
    APPROVE_AS_FINANCE,
    APPROVE_AS_STAFF,
    MARK_PAID,
    PAYMENT_STEPS,
    REJECT,
    conflict_refusal,
    may_take_step,
)


def _locked(request: PaymentRequest) -> PaymentRequest:
    return PaymentRequest.objects.select_for_update().select_related("convention__beneficiary", "convention__funder").get(
        pk=request.pk
    )


def _save(request: PaymentRequest, user, reason: str) -> None:
    request._history_user = user
    request._change_reason = reason
    request.save()


def payment_request_create(*, convention: Convention, kind: str, user, certified_by_name: str,
                           certified_by_quality: str, tranche: Tranche | None = None) -> PaymentRequest:
    """Create the association's request for the advance or the balance, its amount computed by the rules.

    For a multi-year agreement the request is of one year (``tranche``), with that year's rules
    (``finance.rules.tranche_request_refusal``). The agreement's row is locked while the rules are
    checked, and a database constraint refuses a second open request for the same payment: two
    simultaneous clicks produce one request.
    """
    if not certified_by_name.strip() or not certified_by_quality.strip():
        raise ValidationError(_("La demande doit être certifiée : indiquez le nom et la qualité du signataire."))
    try:
        with transaction.atomic():
            convention = Convention.objects.select_for_update().get(pk=convention.pk)
            if tranche is not None:
                tranche = convention.tranches.filter(pk=tranche.pk).first()
                if tranche is None:
                    raise ValidationError(_("Cette année n'appartient pas à la convention."))
                tranche.convention = convention
                if reason := payments.tranche_request_refusal(tranche, kind):
                    raise ValidationError(reason)
                amount = payments.tranche_request_amount(tranche, kind)
            else:
                if reason := payments.request_refusal(convention, kind):
                    raise ValidationError(reason)
                amount = payments.request_amount(convention, kind)
                if kind == PaymentKind.ADVANCE and (reason := payments.advance_cap_refusal(convention, amount)):
                    raise ValidationError({"amount": reason})
            request = PaymentRequest(
                convention=convention, tranche=tranche, kind=kind, amount=amount,
                certified_by_name=certified_by_name.strip(), certified_by_quality=certified_by_quality.strip(),
                certified_on=date.today(), submitted_by=user, budget_imputation=convention.funder.budget_imputation,
            )
            _save(request, user, _("Demande déposée"))
    except IntegrityError as exc:
        raise ValidationError(_("Une demande pour ce versement existe déjà.")) from exc
    return request


def payment_request_take_step(*, request: PaymentRequest, step: str, user, **inputs) -> PaymentRequest:
    """Take ``step`` of ``finance.steps.PAYMENT_STEPS`` on ``request``: the one entry point of the pipeline.

    In order: the user's permission, the step's inputs, then, on the locked row, its state, for an
    approval the segregation of duties (not the depositor, not a member of the association), its
    guard; the request reaches the step's target, the change is audited, and the step's email
    (if any) leaves once the transaction commits.
    """
    definition = PAYMENT_STEPS[step]
    if not may_take_step(user, definition):
        raise ValidationError(definition.permission_refusal)
    values = {}
    for name, field in definition.inputs:
        value = inputs.get(name)
        value = value.strip() if isinstance(value, str) else value
        if value in (None, ""):
            raise ValidationError(definition.missing_inputs)
        values[field] = value
    with transaction.atomic():
        request = _locked(request)
        if definition.already_done and request.status == definition.target:
            raise ValidationError(definition.already_done % {"n": request.payment_order_number})
        if request.status not in definition.sources:
            raise ValidationError(definition.state_refusal % {"s": request.get_status_display()})
        if definition.independent and (refusal := conflict_refusal(user, request)):
            raise ValidationError(refusal, code="conflict")
        if definition.guard and (refusal := definition.guard(request)):
            raise ValidationError(refusal)
        request.status = definition.target
        for field, value in values.items():
            setattr(request, field, value)
        _save(request, user, definition.reason)
        if notice := definition.notice:
            notify(key=f"{notice.key}:{request.pk}", convention=request.convention,
                   recipients=notice.recipients(request.convention), template=notice.template,
                   context={"payment": request, "amount": format_euros(request.amount),
                            "portal_link": absolute_url(reverse("portal_conventions:payments",
                                                                args=[request.convention_id])),
                            "admin_link": absolute_url(reverse("admin:finance_paymentrequest_change",
                                                               args=[request.pk]))})
    return request


def payment_request_approve_as_staff(*, request: PaymentRequest, user) -> PaymentRequest:
    """Validate the request on behalf of the instructing service; finance is told by email."""
    return payment_request_take_step(request=request, step=APPROVE_AS_STAFF, user=user)


def payment_request_approve_as_finance(*, request: PaymentRequest, user, commitment_number: str,
                                       budget_imputation: str) -> PaymentRequest:
    """Validate the request for payment, with the commitment number and the budget imputation."""
    return payment_request_take_step(request=request, step=APPROVE_AS_FINANCE, user=user,
                                     commitment_number=commitment_number, budget_imputation=budget_imputation)


def payment_request_mark_paid(*, request: PaymentRequest, user, payment_order_number: str, paid_on: date) -> PaymentRequest:
    """Record the payment order; the association is told by email. A payment is recorded once."""
    return payment_request_take_step(request=request, step=MARK_PAID, user=user,
                                     payment_order_number=payment_order_number, paid_on=paid_on)


def payment_request_reject(*, request: PaymentRequest, user, reason: str) -> PaymentRequest:
    """Reject a request not yet paid, with the reason the association will read."""
    return payment_request_take_step(request=request, step=REJECT, user=user, reason=reason)


def _issue_recovery(*, convention: Convention, user, amount, reason: str) -> Recovery | None:
    if amount <= 0:
        return None
    recovery = Recovery(convention=convention, amount=amount, reason=reason, issued_on=date.today())
    recovery._history_user = user
    recovery.save()
    return recovery


@transaction.atomic
def recovery_issue_for_overpayment(*, convention: Convention, user) -> Recovery | None:
    """Issue the recovery of what was paid beyond the final grant (a negative balance)."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    money = payments.schedule(convention)
    if money.final is None:
        raise ValidationError(_("Le montant final n'est pas connu : le budget réalisé n'est pas validé."))
    if money.remaining >= 0:
        raise ValidationError(_("Aucun trop-perçu : rien n'est à reverser."))
    reason = _("Trop-perçu : montant final de %(final)s, %(paid)s versés.") % {
        "final": format_euros(money.final), "paid": format_euros(money.paid)
    }
    return _issue_recovery(convention=convention, user=user, amount=-money.remaining, reason=reason)


def recovery_issue_for_termination(*, convention: Convention, user, pro_rata_temporis: bool, reason: str) -> Recovery | None:
    """Issue the recovery that follows a termination (art. 8), in full or pro rata temporis."""
    start = convention.period_start or date(convention.fiscal_year, 1, 1)
    end = effective_period_end(convention) or date(convention.fiscal_year, 12, 31)
    money = payments.schedule(convention)
    amount = payments.termination_recovery(
        paid=money.paid - money.recovered, granted=money.granted, start=start, end=end,
        terminated_on=convention.terminated_on, pro_rata_temporis=pro_rata_temporis,
    )
    mode = _("au prorata temporis") if pro_rata_temporis else _("en totalité")
    return _issue_recovery(convention=convention, user=user, amount=amount,
                           reason=_("Résiliation (art. 8), reversement %(mode)s : %(reason)s") % {"mode": mode, "reason": reason})

