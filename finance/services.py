"""Writes on payment requests and recoveries: each step checked, locked, audited, notified."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from conventions.amounts import effective_period_end
from conventions.models import Convention
from conventions.notifications import association_recipients, finance_recipients, notify
from core.money import format_euros
from finance import rules as payments
from finance.models import PaymentRequest, PaymentStatus, Recovery


def _locked(request: PaymentRequest) -> PaymentRequest:
    return PaymentRequest.objects.select_for_update().select_related("convention__beneficiary", "convention__funder").get(
        pk=request.pk
    )


def _save(request: PaymentRequest, user, reason: str) -> None:
    request._history_user = user
    request._change_reason = reason
    request.save()


def payment_request_create(*, convention: Convention, kind: str, user, certified_by_name: str,
                           certified_by_quality: str) -> PaymentRequest:
    """Create the association's request for the advance or the balance, its amount computed by the rules.

    The agreement's row is locked while the rules are checked, and a database constraint refuses
    a second open request for the same payment: two simultaneous clicks produce one request.
    """
    if not certified_by_name.strip() or not certified_by_quality.strip():
        raise ValidationError(_("La demande doit être certifiée : indiquez le nom et la qualité du signataire."))
    try:
        with transaction.atomic():
            convention = Convention.objects.select_for_update().get(pk=convention.pk)
            if reason := payments.request_refusal(convention, kind):
                raise ValidationError(reason)
            request = PaymentRequest(
                convention=convention, kind=kind, amount=payments.request_amount(convention, kind),
                certified_by_name=certified_by_name.strip(), certified_by_quality=certified_by_quality.strip(),
                certified_on=date.today(), submitted_by=user, budget_imputation=convention.funder.budget_imputation,
            )
            _save(request, user, _("Demande déposée"))
    except IntegrityError as exc:
        raise ValidationError(_("Une demande pour ce versement existe déjà.")) from exc
    return request


def payment_request_approve_as_staff(*, request: PaymentRequest, user) -> PaymentRequest:
    """Validate the request on behalf of the instructing service; finance is told by email."""
    if not user.has_perm("finance.approve_as_staff"):
        raise ValidationError(_("Seul le service instructeur peut valider une demande à ce stade."))
    with transaction.atomic():
        request = _locked(request)
        if request.status != PaymentStatus.SUBMITTED:
            raise ValidationError(_("Cette demande n'attend pas la validation du service instructeur (état : %(s)s).")
                                  % {"s": request.get_status_display()})
        request.status = PaymentStatus.STAFF_APPROVED
        _save(request, user, _("Validée par le service instructeur"))
        notify(key=f"payment-staff-approved:{request.pk}", convention=request.convention,
               recipients=finance_recipients(request.convention), template="payment_staff_approved",
               context={"payment": request, "amount": format_euros(request.amount)})
    return request


def payment_request_approve_as_finance(*, request: PaymentRequest, user, commitment_number: str,
                                       budget_imputation: str) -> PaymentRequest:
    """Validate the request for payment, with the commitment number and the budget imputation."""
    if not user.has_perm("finance.approve_as_finance"):
        raise ValidationError(_("Seul le service des finances peut valider une demande à ce stade."))
    if not commitment_number.strip() or not budget_imputation.strip():
        raise ValidationError(_("Le numéro d'engagement et l'imputation budgétaire sont obligatoires."))
    with transaction.atomic():
        request = _locked(request)
        if request.status != PaymentStatus.STAFF_APPROVED:
            raise ValidationError(_("Cette demande doit d'abord être validée par le service instructeur (état : %(s)s).")
                                  % {"s": request.get_status_display()})
        request.status = PaymentStatus.FINANCE_APPROVED
        request.commitment_number = commitment_number.strip()
        request.budget_imputation = budget_imputation.strip()
        _save(request, user, _("Validée par les finances"))
    return request


def payment_request_mark_paid(*, request: PaymentRequest, user, payment_order_number: str, paid_on: date) -> PaymentRequest:
    """Record the payment order; the association is told by email. A payment is recorded once."""
    if not user.has_perm("finance.mark_paid"):
        raise ValidationError(_("Seul le service des finances peut enregistrer un mandatement."))
    if not payment_order_number.strip() or paid_on is None:
        raise ValidationError(_("Le numéro de mandat et la date de mandatement sont obligatoires."))
    with transaction.atomic():
        request = _locked(request)
        if request.status == PaymentStatus.PAID:
            raise ValidationError(_("Ce versement a déjà été mandaté (mandat n° %(n)s).") % {"n": request.payment_order_number})
        if request.status != PaymentStatus.FINANCE_APPROVED:
            raise ValidationError(_("Cette demande doit être validée par les finances avant son mandatement (état : %(s)s).")
                                  % {"s": request.get_status_display()})
        money = payments.schedule(request.convention)
        if money.paid + request.amount > money.granted:
            raise ValidationError(_("Ce versement porterait le total versé au-delà du montant attribué."))
        request.status = PaymentStatus.PAID
        request.payment_order_number = payment_order_number.strip()
        request.paid_on = paid_on
        _save(request, user, _("Mandatée"))
        notify(key=f"payment-paid:{request.pk}", convention=request.convention,
               recipients=association_recipients(request.convention), template="payment_paid",
               context={"payment": request, "amount": format_euros(request.amount)})
    return request


def payment_request_reject(*, request: PaymentRequest, user, reason: str) -> PaymentRequest:
    """Reject a request not yet paid, with the reason the association will read."""
    if not (user.has_perm("finance.approve_as_staff") or user.has_perm("finance.approve_as_finance")):
        raise ValidationError(_("Vous n'avez pas le droit de rejeter une demande de versement."))
    if not reason.strip():
        raise ValidationError(_("Le motif du rejet est obligatoire."))
    with transaction.atomic():
        request = _locked(request)
        if request.status in (PaymentStatus.PAID, PaymentStatus.REJECTED):
            raise ValidationError(_("Une demande mandatée ou déjà rejetée ne peut plus être rejetée."))
        request.status = PaymentStatus.REJECTED
        request.rejection_reason = reason.strip()
        _save(request, user, _("Rejetée"))
    return request


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

