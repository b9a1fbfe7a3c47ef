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
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conventions.models import SIGNED_STATES, Amendment, AmendmentStatus, Convention

logger = logging.getLogger(__name__)

#: The agreement's fields printed in its PDF: read-only once it is signed.
FROZEN_FIELDS = (
    "reference", "kind", "is_multiannual", "funder", "beneficiary", "fiscal_year", "period_start", "period_end",
    "title", "action_title", "document_title", "document_number", "preamble", "objectives", "programme_summary",
    "action_programme", "non_financial_contributions", "deliberation_body", "deliberation_number",
    "deliberation_date", "deliberation_year", "deliberation_month", "amount_granted", "amount_is_maximum", "eligible_base", "advance_cap_percent",
    "beneficiary_signatory", "beneficiary_signatory_title", "beneficiary_signed_on", "funder_signatory",
    "funder_signatory_title", "funder_signatory_delegation", "funder_signed_on", "stated_share_percent",
    "stated_eligible_expenses", "stated_eligible_expenses_printed",
)
#: What happens to the agreement after its signature, editable once it is signed: the legality control.
AFTER_SIGNATURE_FIELDS = ("legality_transmitted_on", "legality_received_on")
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
