"""What a signature freezes: the PDF, stored once with its SHA-256, and the data it printed.

``convention_freeze_signed_pdf`` (called by the lifecycle's ``sign`` transition) renders the
final PDF, stores it in private storage and records its fingerprint; downloads then always
return those exact bytes, checked against the fingerprint (``signed_pdf_bytes``). From then on
the agreement's printed data, its text and its forecast budget are refused any change: only an
amendment can change a signed agreement, and an amendment is frozen the same way.
"""

import hashlib
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import SIGNED_STATES, Amendment, AmendmentStatus, Convention

logger = logging.getLogger(__name__)

#: The agreement's fields printed in its PDF: read-only once it is signed.
FROZEN_FIELDS = (
    "reference", "kind", "is_multiannual", "funder", "beneficiary", "fiscal_year", "period_start", "period_end",
    "title", "action_title", "preamble", "objectives", "programme_summary", "action_programme",
    "non_financial_contributions", "deliberation_body", "deliberation_number", "deliberation_date",
    "amount_granted", "advance_cap_percent", "beneficiary_signatory", "beneficiary_signed_on",
    "funder_signatory", "funder_signed_on", "stated_share_percent", "stated_eligible_expenses",
)
#: An amendment's fields printed in its PDF: read-only once it is signed.
AMENDMENT_FROZEN_FIELDS = (
    "convention", "number", "subject", "text", "amount_change", "new_period_end",
    "beneficiary_signed_on", "funder_signed_on",
)

SIGNED_REFUSAL = gettext_lazy("La convention est signée : ses données ne peuvent plus être modifiées que par un avenant.")


class SignedPdfAltered(RuntimeError):
    """Raised when a stored signed PDF no longer matches its recorded SHA-256."""


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def convention_changed_fields(convention: Convention) -> list[str]:
    """Return the frozen fields whose value differs from the one stored."""
    if convention.pk is None:
        return []
    stored = Convention.objects.filter(pk=convention.pk).values(*[_attname(f) for f in FROZEN_FIELDS]).first()
    if stored is None:
        return []
    return [name for name in FROZEN_FIELDS if getattr(convention, _attname(name)) != stored[_attname(name)]]


def _attname(name: str) -> str:
    return Convention._meta.get_field(name).attname


def ensure_convention_unfrozen(convention: Convention) -> None:
    """Refuse to save a signed agreement whose printed data changed."""
    stored_status = Convention.objects.filter(pk=convention.pk).values_list("status", flat=True).first()
    if stored_status is None:
        return
    if stored_status in SIGNED_STATES and convention_changed_fields(convention):
        raise ValidationError(SIGNED_REFUSAL)


def budget_is_frozen(budget) -> bool:
    """Return True for the forecast budget of a signed agreement (annex I of what was signed)."""
    from budgets.models import BudgetKind

    return budget.pk is not None and budget.kind == BudgetKind.FORECAST and budget.convention.is_signed


def ensure_budget_unfrozen(budget) -> None:
    """Refuse to change the forecast budget of a signed agreement."""
    if budget_is_frozen(budget):
        raise ValidationError(
            _("Le budget prévisionnel est l'annexe I d'une convention signée : il ne peut plus être modifié "
              "que par un avenant.")
        )


def _lock_unfrozen(model, obj) -> None:
    """Lock ``obj``'s row for the transaction; refuse when a signed PDF is already stored."""
    stored = model.objects.select_for_update().filter(pk=obj.pk).values_list("signed_pdf", flat=True).first()
    if obj.signed_pdf or stored:
        raise ValidationError(_("Le PDF signé est déjà enregistré : il ne peut pas être remplacé."))


def _store(obj, content: bytes, filename: str, user) -> None:
    """Store ``content`` as ``obj``'s signed PDF, on the very instance given.

    The caller (the ``sign`` transition) saves that instance again afterwards: it must carry
    the stored file and its fingerprint, not overwrite them with blanks.
    """
    obj.signed_pdf.save(get_valid_filename(filename), ContentFile(content), save=False)
    obj.signed_pdf_sha256 = sha256_hex(content)
    obj._history_user = user
    obj._change_reason = "PDF signé figé"
    obj.save(update_fields=["signed_pdf", "signed_pdf_sha256"])


@transaction.atomic
def convention_freeze_signed_pdf(*, convention: Convention, user) -> None:
    """Render the agreement's final PDF and store it, once, with its SHA-256.

    Called by ``services.convention_sign`` on the locked instance, before its status changes;
    the PDF is rendered from the database (signatories, dates and deliberation recorded).
    Refused (``ValidationError``, French message) when the PDF is already stored or when the
    agreement lacks what the final print needs (deliberation, signatories, signature dates).
    """
    from .agreement_pdf import AgreementPdfIncomplete, agreement_pdf_render

    _lock_unfrozen(Convention, convention)
    try:
        content = agreement_pdf_render(convention, final=True)
    except AgreementPdfIncomplete as error:
        raise ValidationError(error.missing) from error
    _store(convention, content, f"convention-{convention.reference}-signee.pdf", user)


@transaction.atomic
def amendment_freeze_signed_pdf(*, amendment: Amendment, user) -> None:
    """Render the amendment's final PDF and store it, once, with its SHA-256."""
    from .amendment_pdf import amendment_pdf_missing, amendment_pdf_render

    _lock_unfrozen(Amendment, amendment)
    missing = amendment_pdf_missing(amendment, final=True)
    if missing:
        raise ValidationError(missing)
    content = amendment_pdf_render(amendment, final=True)
    _store(amendment, content, f"avenant-{amendment.number}-{amendment.convention.reference}-signe.pdf", user)


def signed_pdf_bytes(obj: Convention | Amendment) -> bytes:
    """Return the stored signed PDF of an agreement or amendment, after checking its SHA-256."""
    with obj.signed_pdf.open("rb") as stored:
        content = stored.read()
    if not obj.signed_pdf_sha256 or sha256_hex(content) != obj.signed_pdf_sha256:
        logger.error("Signed PDF %s does not match its SHA-256 (%s)", obj.signed_pdf.name, obj)
        raise SignedPdfAltered(obj.signed_pdf.name)
    return content


def has_signed_pdf(obj: Convention | Amendment) -> bool:
    return bool(obj.signed_pdf and obj.signed_pdf_sha256)


def amendment_is_frozen(amendment: Amendment) -> bool:
    return amendment.pk is not None and amendment.status == AmendmentStatus.SIGNED


def ensure_amendment_unfrozen(amendment: Amendment) -> None:
    """Refuse to save a signed amendment whose printed data changed."""
    stored = Amendment.objects.filter(pk=amendment.pk).first()
    if stored is None or not amendment_is_frozen(stored):
        return
    attnames = [Amendment._meta.get_field(name).attname for name in AMENDMENT_FROZEN_FIELDS]
    if any(getattr(amendment, name) != getattr(stored, name) for name in attnames):
        raise ValidationError(_("L'avenant est signé : il ne peut plus être modifié."))
