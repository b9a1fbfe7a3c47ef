"""The agreement's transitions as actions: one entry point each, keyword-only, atomic, audited.

Each calls ``_apply_transition``, which checks ``dossier.lifecycle.transition_refusal`` (state,
actor, the requirements table, comment) under a row lock and records a ``StatusChange``. A staff
member may go past waivable requirements with ``waive`` (their codes) and ``waiver_reason``:
the waivers are recorded in the same transaction, so a refused transition leaves none.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from beneficiaries.notify import absolute_url
from conventions.models import AmendmentStatus, Convention, Status, StatusChange
from conventions.notifications import notify, staff_recipients
from conventions.services import first_year_vote
from documents.services import documents_expect
from dossier.lifecycle import STAFF, TRANSITIONS, actor_of, transition_refusal, waiver_conflict
from dossier.models import RequirementWaiver
from dossier.printing.freeze import amendment_freeze_signed_pdf, convention_freeze_signed_pdf
from dossier.requirements import REQUIREMENTS
from finance.rules import schedule
from finance.services import recovery_issue_for_termination
from indicators.services import indicator_reports_open


def _record_waivers(*, convention: Convention, name: str, user, waive, reason: str) -> None:
    """Record the waivers of requirements ``waive`` of transition ``name``; refuse them without a reason."""
    waive = [code for code in dict.fromkeys(waive) if code]
    if not waive:
        return
    if actor_of(user, convention) != STAFF:
        raise ValidationError(_("Seul un agent de la collectivité peut passer outre une condition."))
    if conflict := waiver_conflict(convention, user):
        raise ValidationError(conflict, code="conflict")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Le motif de la dérogation est obligatoire pour passer outre une condition."))
    allowed = {r.code: r for r in REQUIREMENTS.get(name, ())}
    for code in waive:
        requirement = allowed.get(code)
        if requirement is None or not requirement.waivable:
            raise ValidationError(_("Cette condition ne peut pas faire l'objet d'une dérogation."))
        waiver = (RequirementWaiver.objects.filter(convention=convention, transition=name, requirement=code).first()
                  or RequirementWaiver(convention=convention, transition=name, requirement=code))
        waiver.reason, waiver.by = reason, user
        waiver._history_user = user
        waiver.save()


def _apply_transition(*, convention: Convention, name: str, user, comment: str = "", before_save=None,
                      waive=(), waiver_reason: str = "") -> Convention:
    """Check transition ``name``, apply it, record who/when/from/to/why; refuse with the reason."""

    with transaction.atomic():
        convention = Convention.objects.select_for_update().select_related("funder", "beneficiary").get(pk=convention.pk)
        _record_waivers(convention=convention, name=name, user=user, waive=waive, reason=waiver_reason)
        if reason := transition_refusal(convention, name, user, comment):
            raise ValidationError(reason)
        previous = convention.status
        if before_save is not None:
            before_save(convention)
        convention.status = TRANSITIONS[name].target
        convention._history_user = user
        convention._change_reason = comment or str(TRANSITIONS[name].label)
        convention.save()
        StatusChange.objects.create(
            convention=convention, from_status=previous, to_status=convention.status, by=user, comment=comment
        )
    return convention


def convention_submit(*, convention: Convention, user, comment: str = "", waive=(), waiver_reason: str = "") -> Convention:
    """Hand the completed file to the instructing service, which is told by email."""

    convention = _apply_transition(convention=convention, name="submit", user=user, comment=comment, waive=waive, waiver_reason=waiver_reason)
    submissions = convention.status_changes.filter(to_status="submitted").count()
    notify(key=f"convention-submitted:{convention.pk}:{submissions}", convention=convention,
           recipients=staff_recipients(convention), template="convention_submitted",
           context={"link": absolute_url(reverse("admin:conventions_convention_change", args=[convention.pk]))})
    return convention


def convention_start_review(*, convention: Convention, user, comment: str = "", waive=(), waiver_reason: str = "") -> Convention:
    return _apply_transition(convention=convention, name="start_review", user=user, comment=comment, waive=waive, waiver_reason=waiver_reason)


def convention_return_to_draft(*, convention: Convention, user, comment: str, waive=(), waiver_reason: str = "") -> Convention:
    return _apply_transition(convention=convention, name="return_to_draft", user=user, comment=comment, waive=waive, waiver_reason=waiver_reason)


@transaction.atomic
def convention_vote(*, convention: Convention, user, comment: str = "", waive=(), waiver_reason: str = "") -> Convention:
    """Record the vote: the documents due before signature are now expected (their upload slots open).

    A multi-year agreement's vote is also its first year's (``conventions.services.first_year_vote``),
    in the same transaction: when that year cannot be voted, nothing is recorded.
    """
    convention = _apply_transition(convention=convention, name="vote", user=user, comment=comment, waive=waive,
                                   waiver_reason=waiver_reason)
    first_year_vote(convention=convention, user=user)
    documents_expect(convention=convention, user=user)
    return convention


def convention_sign(*, convention: Convention, user, comment: str = "", waive=(), waiver_reason: str = "") -> Convention:
    """Record both signatures and freeze the agreement's PDF with its SHA-256."""

    return _apply_transition(
        convention=convention, name="sign", user=user, comment=comment, waive=waive, waiver_reason=waiver_reason,
        before_save=lambda c: convention_freeze_signed_pdf(convention=c, user=user),
    )


def convention_activate(*, convention: Convention, user, comment: str = "", waive=(), waiver_reason: str = "") -> Convention:
    """Record the notification: the advance may be requested; documents and indicators are expected."""

    convention = _apply_transition(convention=convention, name="activate", user=user, comment=comment, waive=waive, waiver_reason=waiver_reason)
    documents_expect(convention=convention, user=user)
    # One report a year (each year of a multi-year agreement); none for a year no indicator set applies to.
    indicator_reports_open(convention=convention, user=user)
    return convention


def convention_request_justification(*, convention: Convention, user, comment: str = "", waive=(), waiver_reason: str = "") -> Convention:
    return _apply_transition(convention=convention, name="request_justification", user=user, comment=comment, waive=waive, waiver_reason=waiver_reason)


def convention_close(*, convention: Convention, user, comment: str = "", waive=(), waiver_reason: str = "") -> Convention:
    return _apply_transition(convention=convention, name="close", user=user, comment=comment, waive=waive, waiver_reason=waiver_reason)


def convention_refuse(*, convention: Convention, user, comment: str, waive=(), waiver_reason: str = "") -> Convention:
    return _apply_transition(convention=convention, name="refuse", user=user, comment=comment, waive=waive, waiver_reason=waiver_reason)


def convention_cancel(*, convention: Convention, user, comment: str, waive=(), waiver_reason: str = "") -> Convention:
    return _apply_transition(convention=convention, name="cancel", user=user, comment=comment, waive=waive, waiver_reason=waiver_reason)


def convention_terminate(*, convention: Convention, user, comment: str, pro_rata_temporis: bool,
                         terminated_on: date | None = None) -> Convention:
    """Terminate the agreement (art. 8) and issue the recovery, in full or pro rata temporis."""

    terminated_on = terminated_on or date.today()

    def record_date(c):
        c.terminated_on = terminated_on

    convention = _apply_transition(convention=convention, name="terminate", user=user, comment=comment,
                                   before_save=record_date)
    recovery_issue_for_termination(convention=convention, user=user, pro_rata_temporis=pro_rata_temporis,
                                   reason=comment)
    return convention


TRANSITION_SERVICES = {
    "submit": convention_submit, "start_review": convention_start_review, "return_to_draft": convention_return_to_draft,
    "vote": convention_vote, "sign": convention_sign, "activate": convention_activate,
    "request_justification": convention_request_justification, "close": convention_close,
    "refuse": convention_refuse, "cancel": convention_cancel,
}


def amendment_sign(*, amendment, user):
    """Sign an amendment (art. 9): its PDF is frozen and its changes take effect.

    The agreement's own signed PDF is untouched: what was signed before stays readable as it was.
    """

    with transaction.atomic():
        amendment = type(amendment).objects.select_for_update().select_related("convention").get(pk=amendment.pk)
        convention = amendment.convention
        if not user.has_perm("conventions.change_amendment"):
            raise ValidationError(_("Vous n'avez pas le droit de signer un avenant."))
        if amendment.status != AmendmentStatus.DRAFT:
            raise ValidationError(_("Cet avenant est déjà signé."))
        if convention.status not in (Status.SIGNED, Status.ACTIVE, Status.JUSTIFICATION):
            raise ValidationError(_("Un avenant ne peut être signé que sur une convention signée et en cours (état : %(s)s).")
                                  % {"s": convention.get_status_display()})
        if not (amendment.beneficiary_signed_on and amendment.funder_signed_on):
            raise ValidationError(_("La signature de l'avenant suppose les deux dates de signature."))
        money = schedule(convention)
        if money.granted + amendment.amount_change < money.paid - money.recovered:
            raise ValidationError(_("Le nouveau montant serait inférieur à ce qui a déjà été versé."))
        amendment_freeze_signed_pdf(amendment=amendment, user=user)
        amendment.status = AmendmentStatus.SIGNED
        amendment._history_user = user
        amendment.save()
    return amendment
