"""Every write of the association's vault of permanent papers: upload a version, accept, reject.

A version is checked like any document (``documents.services.read_upload``: size, real type) and
reviewed by staff like any document: never accepted by who gave it nor by a member of the
association (``beneficiaries.duties.review_conflict``). Each write is audited in the paper's
history and the acceptance or refusal is emailed to the association's members.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.duties import review_conflict
from beneficiaries.notify import absolute_url, send_text_email
from conventions.notifications import association_recipients
from core.dates import french_date
from documents.models import VAULT_KINDS, DocumentKind, DocumentStatus, VaultPaper
from documents.obligations import REPUBLICAN_COMMITMENT_FROM
from documents.services import audit_change, read_upload, review_record, store_checked_upload
from documents.vault import default_valid_until


def check_validity(*, kind: str, valid_from: date | None, valid_until: date | None) -> None:
    """Refuse dates a paper of ``kind`` cannot have, with the French reason (by field)."""
    if kind not in VAULT_KINDS:
        raise ValidationError({"kind": _("Cette pièce n'est pas un document permanent.")}, code="kind")
    if valid_from is None:
        raise ValidationError({"valid_from": _("Indiquez depuis quand cette pièce est en vigueur.")}, code="required")
    if kind == DocumentKind.REPUBLICAN_COMMITMENT and valid_from < REPUBLICAN_COMMITMENT_FROM:
        raise ValidationError({"valid_from": _(
            "Le contrat d'engagement républicain existe depuis le %(day)s (décret n° 2021-1947) : "
            "indiquez la date à laquelle votre association l'a signé.") % {
                "day": french_date(REPUBLICAN_COMMITMENT_FROM)}}, code="too_early")
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _(
            "La fin de validité ne peut pas précéder le début : vérifiez les deux dates.")}, code="order")


@transaction.atomic
def vault_paper_upload(*, beneficiary, kind: str, uploaded, valid_from: date, valid_until: date | None = None,
                       by=None) -> VaultPaper:
    """Add a new version of ``kind`` to ``beneficiary``'s vault, received for review.

    The previous versions are kept (history); this one is in force from ``valid_from``. Without
    ``valid_until``, the kind's default validity applies (``documents.vault.VALIDITY_MONTHS``).
    Refused (``ValidationError``, nothing saved) for a bad file or impossible dates.
    """
    check_validity(kind=kind, valid_from=valid_from, valid_until=valid_until)
    data, file_type = read_upload(uploaded)
    paper = VaultPaper(beneficiary=beneficiary, kind=kind, valid_from=valid_from,
                       valid_until=valid_until or default_valid_until(kind, valid_from),
                       status=DocumentStatus.RECEIVED, uploaded_at=timezone.now(), uploaded_by=by)
    store_checked_upload(paper.file, data, file_type)
    audit_change(paper, by, _("Dépôt par l'association dans ses documents permanents"))
    paper.save()
    return paper


def vault_acceptance_conflict(paper: VaultPaper, user) -> str | None:
    """Return why ``user`` may not accept ``paper`` (they gave it, or belong to its association), or None."""
    return review_conflict(user, beneficiary=paper.beneficiary, submitted_by=paper.uploaded_by,
                           what=_("ce document permanent"))


@transaction.atomic
def vault_paper_accept(*, paper: VaultPaper, by=None) -> VaultPaper:
    """Accept a received permanent paper (staff), never by who gave it nor a member of the association."""
    paper = VaultPaper.objects.select_for_update().select_related("beneficiary").get(pk=paper.pk)
    review_record(paper, accept=True, by=by, what=_("un document"), conflict=lambda: vault_acceptance_conflict(paper, by))
    notify_vault_paper(paper, "accepted")
    return paper


@transaction.atomic
def vault_paper_reject(*, paper: VaultPaper, reason: str, by=None) -> VaultPaper:
    """Reject a received permanent paper with ``reason`` (staff): the association reads it and is emailed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif du refus : l'association le lira.")}, code="required")
    paper = VaultPaper.objects.select_for_update().select_related("beneficiary").get(pk=paper.pk)
    review_record(paper, accept=False, by=by, what=_("un document"), reason=reason)
    notify_vault_paper(paper, "rejected")
    return paper


def notify_vault_paper(paper: VaultPaper, event: str) -> bool:
    """Email the association's members, on commit, that ``paper`` was accepted or rejected (``event``)."""
    context = {"paper": paper, "beneficiary": paper.beneficiary, "link": absolute_url(reverse("portal_vault:list"))}
    return send_text_email(template=f"documents/emails/vault_paper_{event}", context=context,
                           recipients=association_recipients(paper.beneficiary))
