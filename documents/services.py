"""The documents an association owes (justificatifs): which ones, what a file may be, every write.

``documents_expect`` creates the documents an agreement owes when it becomes active.

A file is accepted for what it IS, never for what its name or declared type says: its first
bytes must be those of a PDF, a JPEG or a PNG, and the file must then open as one. A PNG named
« attestation.pdf » is therefore accepted, as the PNG it is: stored with a « .png » name and
served as ``image/png``. A text file named « .pdf » is refused.

Files go to the private storage (``conventions.storage``) under a random name; they are served
only by ``conventions.portal_documents`` (members) and the staff admin, never by the web server.
"""

import hashlib
import secrets
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from beneficiaries.duties import review_conflict
from beneficiaries.notify import absolute_url, send_text_email
from conventions.models import Convention
from conventions.notifications import association_recipients
from documents.bounds import check_documents
from documents.models import Document, DocumentStatus
from documents.obligations import association_years, auditor_required, expected_documents
from documents.vault import vault_cover


def documents_expect(*, convention, user=None, association_year=None) -> list:
    """Create the documents ``convention`` owes in its state and does not have yet, with their due dates.

    The one function that schedules expected documents: called when the subsidy is voted (the
    documents due before signature), when the agreement is notified (all of them) and by the
    daily reminders run. A permanent paper the association's vault holds, valid today, is left
    out. ``association_year`` spares a query when the caller has it.
    """
    year = association_year
    if year is None:
        key = (convention.beneficiary_id, convention.fiscal_year)
        year = association_years([key])[key]
    expected = expected_documents(convention, auditor_required=auditor_required(year.public_subsidies))
    # A permanent paper the association's vault gives, valid today, is not asked again; once it
    # expires, the next run asks it (``documents.vault``).
    cover = vault_cover(convention, on=timezone.localdate())
    expected = [item for item in expected if item.kind not in cover]
    return _schedule_documents(convention=convention, expected=expected, user=user)


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    label: str


PDF = FileType("pdf", "application/pdf", "PDF")
JPEG = FileType("jpg", "image/jpeg", "JPEG")
PNG = FileType("png", "image/png", "PNG")
FILE_TYPES = {t.extension: t for t in (PDF, JPEG, PNG)}

#: States in which the association may (re)place the file.
UPLOADABLE_STATES = (DocumentStatus.EXPECTED, DocumentStatus.REJECTED, DocumentStatus.RECEIVED)

NOT_ACCEPTED_TYPE = gettext_lazy(
    "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG (quel que soit son nom). "
    "Enregistrez-le dans l'un de ces formats, puis déposez-le de nouveau."
)


def max_upload_bytes() -> int:
    return settings.DOCUMENT_MAX_UPLOAD_BYTES


def format_size(size: int) -> str:
    """Return a file size the French way: « 10 Mo », « 12,4 Mo », « 350 Ko »."""
    if size >= 1024 * 1024:
        value, unit = Decimal(size) / (1024 * 1024), "Mo"
    else:
        value, unit = Decimal(size) / 1024, "Ko"
    text = f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}".removesuffix(".0").replace(".", ",")
    return f"{text}\u00a0{unit}"


def check_size(size: int) -> None:
    """Refuse a file larger than ``DOCUMENT_MAX_UPLOAD_BYTES``."""
    limit = max_upload_bytes()
    if size > limit:
        raise ValidationError(
            _("Ce fichier pèse %(size)s : la limite est de %(limit)s. Réduisez-le (par exemple en le "
              "numérisant en noir et blanc, ou en 150 points par pouce) puis déposez-le de nouveau.")
            % {"size": format_size(size), "limit": format_size(limit)},
            code="too_large",
        )


def sniff_file_type(data: bytes) -> FileType:
    """Return what ``data`` really is (PDF, JPEG or PNG), or raise ``ValidationError``.

    The first bytes decide the candidate type; the file must then open as that type.
    """
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        _check_image(data, "PNG")
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        _check_image(data, "JPEG")
        return JPEG
    raise ValidationError(NOT_ACCEPTED_TYPE, code="type")


def _check_pdf(data: bytes) -> None:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return  # A password-protected PDF is a PDF: the agent will ask for the password.
        if len(reader.pages) < 1:
            raise ValueError("no page")
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
        raise ValidationError(
            _("Ce fichier commence comme un PDF mais ne peut pas être lu : il est sans doute abîmé ou "
              "incomplet. Enregistrez-le de nouveau en PDF, puis déposez-le."), code="damaged",
        ) from None


def _check_image(data: bytes, expected_format: str) -> None:
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("Cette image ne peut pas être lue : elle est sans doute abîmée ou incomplète. "
              "Enregistrez-la de nouveau, puis déposez-la."), code="damaged",
        ) from None
    if image_format != expected_format:
        raise ValidationError(NOT_ACCEPTED_TYPE, code="type")


def read_upload(uploaded) -> tuple[bytes, FileType]:
    """Check an uploaded file (size, then content) and return its bytes and real type."""
    check_size(uploaded.size)
    uploaded.seek(0)
    data = uploaded.read(max_upload_bytes() + 1)
    check_size(len(data))
    if not data:
        raise ValidationError(_("Ce fichier est vide."), code="empty")
    return data, sniff_file_type(data)


def document_file_type(document: Document) -> FileType | None:
    """Return the type of ``document``'s stored file (its name is ours, so its extension is true)."""
    return stored_file_type(document.file)


def stored_file_type(field_file) -> FileType | None:
    """Return the type of a file stored by this module's checks (a document's, a message's attachment)."""
    extension = field_file.name.rsplit(".", 1)[-1].lower() if field_file else ""
    return FILE_TYPES.get(extension)


def store_checked_upload(field_file, data: bytes, file_type: FileType) -> None:
    """Save checked bytes (``read_upload``) in ``field_file`` under a random name of their real type."""
    field_file.save(f"{secrets.token_urlsafe(24)}.{file_type.extension}", ContentFile(data), save=False)


def _stored_sha256(document: Document) -> str:
    if not document.file:
        return ""
    try:
        with document.file.open("rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except FileNotFoundError:
        return ""


def audit_change(document: Document, by, reason: str) -> None:
    """Name who made the change and why in the history row (outside a request too): documents and vault papers."""
    document._change_reason = reason
    if by is not None:
        document._history_user = by


@transaction.atomic
def document_upload(*, document: Document, uploaded, by=None) -> Document:
    """Store ``uploaded`` as ``document``'s file and mark it received.

    Refused (``ValidationError``, nothing saved) when the file is too large or not a PDF, JPEG
    or PNG, or when the document was accepted meanwhile. Sending the same file twice (a form
    posted twice) changes nothing the second time. A replaced file stays in storage: the
    history keeps its name.
    """
    data, file_type = read_upload(uploaded)
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.status not in UPLOADABLE_STATES:
        raise ValidationError(
            _("Ce justificatif a déjà été accepté par le service instructeur : il ne peut plus être remplacé."),
            code="locked",
        )
    if document.status == DocumentStatus.RECEIVED and _stored_sha256(document) == hashlib.sha256(data).hexdigest():
        return document
    store_checked_upload(document.file, data, file_type)
    document.status = DocumentStatus.RECEIVED
    document.uploaded_at = timezone.now()
    document.uploaded_by = by
    document.rejection_reason = ""
    audit_change(document, by, _("Dépôt par l'association"))
    document.save()
    return document


def acceptance_conflict(document: Document, user) -> str | None:
    """Return why ``user`` may not accept ``document``: they uploaded it, or belong to its association.

    The acceptance asks it; the admin shows the reason instead of the « Accepter » button. Refusing
    a document stays open to them: the association sends it again, someone else accepts it.
    """
    return review_conflict(user, beneficiary=document.convention.beneficiary, submitted_by=document.uploaded_by,
                           what=_("ce justificatif"))


def review_record(paper, *, accept: bool, by, what: str, reason: str = "", conflict=lambda: None) -> None:
    """Record the review of ``paper`` (an agreement's document or a vault paper), audited: accepted,
    or refused with ``reason``. Only a received paper is reviewed (« Seul un justificatif reçu… »,
    ``what`` naming it); an acceptance is refused with ``conflict()``'s reason, if any (nobody accepts
    what they gave: ``beneficiaries.duties.review_conflict``)."""
    if paper.status != DocumentStatus.RECEIVED:
        raise ValidationError(_("Seul %(what)s reçu peut être %(done)s.") % {
            "what": what, "done": _("accepté") if accept else _("refusé")}, code="state")
    if accept and (refusal := conflict()):
        raise ValidationError(refusal, code="conflict")
    paper.status = DocumentStatus.ACCEPTED if accept else DocumentStatus.REJECTED
    paper.rejection_reason = "" if accept else reason
    audit_change(paper, by, _("Accepté") if accept else _("Refusé"))
    paper.save()


@transaction.atomic
def document_accept(*, document: Document, by=None) -> Document:
    """Accept a received document (staff), never by who uploaded it nor a member of the association."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    review_record(document, accept=True, by=by, what=_("un justificatif"),
                  conflict=lambda: acceptance_conflict(document, by))
    notify_document(document, "accepted")
    return document


@transaction.atomic
def document_reject(*, document: Document, reason: str, by=None) -> Document:
    """Reject a received document with ``reason`` (staff): the association reads it on the
    portal, and its members get it by email with a link to the agreement's documents page."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif du refus : l'association le lira.")}, code="required")
    document = Document.objects.select_for_update().get(pk=document.pk)
    review_record(document, accept=False, by=by, what=_("un justificatif"), reason=reason)
    notify_document(document, "rejected")
    return document


@transaction.atomic
def document_request(*, convention: Convention, kind: str, due_on=None, year=None, by=None) -> Document:
    """Ask the association for a document (staff, by hand): created « attendu », and its members
    get an email with the link to the agreement's documents page, where they deposit it.

    Refused when the agreement already has as many documents as it may
    (``documents.bounds.check_documents``).
    """
    check_documents([*convention.documents.values_list("kind", flat=True), kind])
    document = Document(convention=convention, kind=kind, due_on=due_on, year=year, status=DocumentStatus.EXPECTED)
    audit_change(document, by, _("Demandé à l'association"))
    document.save()
    notify_document(document, "requested")
    return document


def document_portal_path(document: Document) -> str:
    """Return the path of the portal page where the association sees and deposits ``document``."""
    return reverse("portal_conventions:documents", kwargs={"convention_pk": document.convention_id})


def notify_document(document: Document, event: str) -> bool:
    """Email the association's members, once the transaction commits, that ``document`` was
    requested, accepted or rejected (``event``), with the link to the page where they act on it.

    Return False when the association has no address (nobody to tell)."""
    convention = Convention.objects.select_related("beneficiary").get(pk=document.convention_id)
    context = {"document": document, "convention": convention, "link": absolute_url(document_portal_path(document))}
    return send_text_email(template=f"documents/emails/document_{event}", context=context,
                           recipients=association_recipients(convention))


@transaction.atomic
def _schedule_documents(*, convention: Convention, expected, user=None) -> list[Document]:
    """Create the expected documents ``convention`` does not have yet, and date undated ones.

    ``expected`` comes from ``conventions.obligations.expected_documents``. A kind already on
    file is never duplicated; an expected document without a due date receives the new one.
    The audit records name ``user`` (None: the daily command, or the current web request's user).
    """
    existing = {(doc.kind, doc.year): doc for doc in convention.documents.all()}
    new = [
        Document(convention=convention, kind=item.kind, year=item.year, due_on=item.due_on,
                 status=DocumentStatus.EXPECTED)
        for item in expected if (item.kind, item.year) not in existing
    ]
    dated = []
    for item in expected:
        doc = existing.get((item.kind, item.year))
        if doc and doc.status == DocumentStatus.EXPECTED and doc.due_on is None and item.due_on:
            doc.due_on = item.due_on
            dated.append(doc)
    if dated:
        bulk_update_with_history(dated, Document, ["due_on"], default_user=user)
    return bulk_create_with_history(new, Document, default_user=user) if new else []
