"""dossier.printing.freeze"""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from conventions.freeze import sha256_hex
from conventions.models import Amendment, Convention
from conventions.parties import signatories_record
from dossier.printing.agreement import AgreementPdfIncomplete, agreement_pdf_render
from dossier.printing.amendment import amendment_pdf_missing, amendment_pdf_render


def _lock_unfrozen(model, obj) -> None:
    """Lock ``obj``'s row for the transaction; refuse when a signed PDF is already stored."""
    stored = model.objects.select_for_update().filter(pk=obj.pk).values_list("signed_pdf", flat=True).first()
    if obj.signed_pdf or stored:
        raise ValidationError(_("Le PDF signé est déjà enregistré : il ne peut pas être remplacé."))


def _store(obj, content: bytes, filename: str, user, *, also: tuple[str, ...] = ()) -> None:
    """Store ``content`` as ``obj``'s signed PDF, on the very instance given.

    The caller (the ``sign`` transition) saves that instance again afterwards: it must carry
    the stored file and its fingerprint, not overwrite them with blanks.
    """
    obj.signed_pdf.save(get_valid_filename(filename), ContentFile(content), save=False)
    obj.signed_pdf_sha256 = sha256_hex(content)
    obj._history_user = user
    obj._change_reason = "PDF signé figé"
    obj.save(update_fields=["signed_pdf", "signed_pdf_sha256", *also])


@transaction.atomic
def convention_freeze_signed_pdf(*, convention: Convention, user) -> None:
    """Render the agreement's final PDF and store it, once, with its SHA-256.

    Called by ``services.convention_sign`` on the locked instance, before its status changes;
    the PDF is rendered from the database (signatories, dates and deliberation recorded).
    Refused (``ValidationError``, French message) when the PDF is already stored or when the
    agreement lacks what the final print needs (deliberation, signatories, signature dates).
    """

    _lock_unfrozen(Convention, convention)
    try:
        content = agreement_pdf_render(convention, final=True)
    except AgreementPdfIncomplete as error:
        raise ValidationError(error.missing) from error
    # The titles printed are recorded: a later change of representative does not rewrite who signed.
    recorded = signatories_record(convention)
    _store(convention, content, f"convention-{convention.reference}-signee.pdf", user, also=tuple(recorded))


@transaction.atomic
def amendment_freeze_signed_pdf(*, amendment: Amendment, user) -> None:
    """Render the amendment's final PDF and store it, once, with its SHA-256."""

    _lock_unfrozen(Amendment, amendment)
    missing = amendment_pdf_missing(amendment, final=True)
    if missing:
        raise ValidationError(missing)
    content = amendment_pdf_render(amendment, final=True)
    _store(amendment, content, f"avenant-{amendment.number}-{amendment.convention.reference}-signe.pdf", user)
