"""Writes on funders and agreements."""

import contextlib
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .freeze import ensure_convention_unfrozen
from .models import Convention, Document, DocumentStatus, Funder, Status, StatusChange


def funder_upsert(*, siret: str, **fields) -> Funder:
    """Create or update the funder identified by ``siret``, validating every field."""
    funder = Funder.objects.filter(siret=siret).first() or Funder(siret=siret)
    for name, value in fields.items():
        setattr(funder, name, value)
    funder.full_clean(validate_unique=False)
    funder.save()
    return funder


def convention_upsert(*, reference: str, **fields) -> Convention:
    """Create or update the agreement identified by ``reference``, validating every field.

    Once signed, the agreement's printed data is refused any change (``freeze.FROZEN_FIELDS``).
    """
    convention = Convention.objects.filter(reference=reference).first() or Convention(reference=reference)
    for name, value in fields.items():
        setattr(convention, name, value)
    convention.full_clean(validate_unique=False)
    ensure_convention_unfrozen(convention)
    convention.save()
    return convention


@transaction.atomic
def convention_load_history(*, convention: Convention, path: list[str], by=None) -> None:
    """Record a past lifecycle for data taken over from before the software (demo, migration).

    Replays ``path`` (a list of statuses) as status changes, without guards: it is only for
    agreements whose real history happened outside the application. The agreement's own
    history records the resulting status, by ``by``, with that reason.
    """
    convention.status_changes.all().delete()
    previous = ""
    for status in path:
        StatusChange.objects.create(
            convention=convention, from_status=previous, to_status=status, by=by,
            comment="Reprise de l'historique",
        )
        previous = status
    convention.refresh_from_db()
    if previous and previous != convention.status:
        convention.status = previous
        if by is not None:
            convention._history_user = by
        convention._change_reason = "Reprise de l'historique"
        convention.save(update_fields=["status", "updated_at"])


# --- Lifecycle: one entry point per transition ------------------------------------------------


def _apply_transition(*, convention: Convention, name: str, user, comment: str = "", before_save=None) -> Convention:
    """Check transition ``name``, apply it, record who/when/from/to/why; refuse with the reason."""
    from .lifecycle import TRANSITIONS, transition_refusal

    with transaction.atomic():
        convention = Convention.objects.select_for_update().select_related("funder", "beneficiary").get(pk=convention.pk)
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


def convention_submit(*, convention: Convention, user, comment: str = "") -> Convention:
    """Hand the completed file to the instructing service, which is told by email."""
    from .notifications import notify, staff_recipients

    convention = _apply_transition(convention=convention, name="submit", user=user, comment=comment)
    submissions = convention.status_changes.filter(to_status="submitted").count()
    notify(key=f"convention-submitted:{convention.pk}:{submissions}", convention=convention,
           recipients=staff_recipients(convention), template="convention_submitted", context={})
    return convention


def convention_start_review(*, convention: Convention, user, comment: str = "") -> Convention:
    return _apply_transition(convention=convention, name="start_review", user=user, comment=comment)


def convention_return_to_draft(*, convention: Convention, user, comment: str) -> Convention:
    return _apply_transition(convention=convention, name="return_to_draft", user=user, comment=comment)


def convention_vote(*, convention: Convention, user, comment: str = "") -> Convention:
    return _apply_transition(convention=convention, name="vote", user=user, comment=comment)


def convention_sign(*, convention: Convention, user, comment: str = "") -> Convention:
    """Record both signatures and freeze the agreement's PDF with its SHA-256."""
    from .agreement_pdf import convention_freeze_signed_pdf

    return _apply_transition(
        convention=convention, name="sign", user=user, comment=comment,
        before_save=lambda c: convention_freeze_signed_pdf(convention=c, user=user),
    )


def convention_activate(*, convention: Convention, user, comment: str = "") -> Convention:
    """Record the notification: the advance may be requested; documents and indicators are expected."""
    from indicators.services import indicator_report_open

    from .documents import documents_expect

    convention = _apply_transition(convention=convention, name="activate", user=user, comment=comment)
    documents_expect(convention=convention, user=user)
    # When no indicator set applies to this association's type and year, no report is owed.
    with contextlib.suppress(ValidationError):
        indicator_report_open(convention=convention, user=user)
    return convention


def convention_request_justification(*, convention: Convention, user, comment: str = "") -> Convention:
    return _apply_transition(convention=convention, name="request_justification", user=user, comment=comment)


def convention_close(*, convention: Convention, user, comment: str = "") -> Convention:
    return _apply_transition(convention=convention, name="close", user=user, comment=comment)


def convention_refuse(*, convention: Convention, user, comment: str) -> Convention:
    return _apply_transition(convention=convention, name="refuse", user=user, comment=comment)


def convention_cancel(*, convention: Convention, user, comment: str) -> Convention:
    return _apply_transition(convention=convention, name="cancel", user=user, comment=comment)


def convention_terminate(*, convention: Convention, user, comment: str, pro_rata_temporis: bool,
                         terminated_on: date | None = None) -> Convention:
    """Terminate the agreement (art. 8) and issue the recovery, in full or pro rata temporis."""
    from .payment_services import recovery_issue_for_termination

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


# --- Amendments -------------------------------------------------------------------------------


def amendment_sign(*, amendment, user):
    """Sign an amendment (art. 9): its PDF is frozen and its changes take effect.

    The agreement's own signed PDF is untouched: what was signed before stays readable as it was.
    """
    from .agreement_pdf import amendment_freeze_signed_pdf
    from .models import AmendmentStatus
    from .payments import schedule

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

@transaction.atomic
def convention_schedule_documents(*, convention: Convention, expected, user=None) -> list[Document]:
    """Create the expected documents ``convention`` does not have yet, and date undated ones.

    ``expected`` comes from ``conventions.obligations.expected_documents``. A kind already on
    file is never duplicated; an expected document without a due date receives the new one.
    The audit records name ``user`` (None: the daily command, or the current web request's user).
    """
    existing = {doc.kind: doc for doc in convention.documents.all()}
    new = [
        Document(convention=convention, kind=item.kind, due_on=item.due_on, status=DocumentStatus.EXPECTED)
        for item in expected if item.kind not in existing
    ]
    dated = []
    for item in expected:
        doc = existing.get(item.kind)
        if doc and doc.status == DocumentStatus.EXPECTED and doc.due_on is None and item.due_on:
            doc.due_on = item.due_on
            dated.append(doc)
    if dated:
        bulk_update_with_history(dated, Document, ["due_on"], default_user=user)
    return bulk_create_with_history(new, Document, default_user=user) if new else []


@transaction.atomic
def convention_record_open_data_publication(*, conventions, published_on: date) -> int:
    """Record that the data of ``conventions`` were published on ``published_on`` (décret 2017-779).

    Agreements already marked as published keep their first publication date. Returns how many
    agreements were marked.
    """
    pending = [c for c in conventions if c.open_data_published_on is None]
    for convention in pending:
        convention.open_data_published_on = published_on
    if pending:
        bulk_update_with_history(pending, Convention, ["open_data_published_on"])
    return len(pending)
