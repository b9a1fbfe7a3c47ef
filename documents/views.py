"""Portal pages of the documents an association owes: one upload slot per expected document.

Everything is loaded through ``MemberConventionMixin``: another association's agreement or
document answers 404. Files are served only here (members) and from the staff admin.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from conventions.access import MemberConventionMixin
from documents.models import Document, DocumentKind, DocumentStatus
from documents.obligations import DELIVERED
from documents.services import (
    UPLOADABLE_STATES,
    document_file_type,
    document_upload,
    format_size,
    max_upload_bytes,
    stored_file_type,
)
from documents.vault import vault_cover


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier à déposer"),
        error_messages={
            "required": gettext_lazy("Choisissez un fichier à déposer."),
            "empty": gettext_lazy("Ce fichier est vide."),
            "invalid": gettext_lazy("Aucun fichier n'a été reçu : choisissez-le de nouveau."),
        },
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args, document: Document, **kwargs):
        super().__init__(*args, prefix=f"doc{document.pk}", **kwargs)
        self.document = document
        self.fields["file"].label = _("Fichier pour « %(kind)s »") % {"kind": document.get_kind_display()}
        self.fields["file"].help_text = _("PDF, JPEG ou PNG, %(limit)s au plus.") % {
            "limit": format_size(max_upload_bytes())}


def document_file_response(document: Document) -> FileResponse:
    """Send ``document``'s file as a download, never rendered by the browser."""
    return stored_file_response(document, name=slugify(document.convention.reference))


def stored_file_response(document, *, name: str, inline: bool = False) -> FileResponse:
    """Send a stored document's file (an agreement's, an application's or a vault paper) as « <kind>-<name>.<ext> »;
    ``inline`` for the staff's preview (``private_file_response``)."""
    return private_file_response(document.file, stem=f"{slugify(document.get_kind_display())}-{name}", inline=inline)


def private_file_response(field_file, *, stem: str, inline: bool = False) -> FileResponse:
    """Send a private file checked on upload (``documents.services``) as « <stem>.<ext> »; 404 when it is
    missing or of no accepted type.

    A download by default, never rendered by the browser. ``inline`` (the staff's preview): shown in
    the page that frames it, from this site only (``frame-ancestors 'self'``, ``X-Frame-Options:
    SAMEORIGIN``); the file is ours, checked on upload to really be a PDF, a JPEG or a PNG
    (``documents.services.sniff_file_type``).
    """
    file_type = stored_file_type(field_file)
    if file_type is None:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    filename = f"{stem}.{file_type.extension}"
    response = FileResponse(handle, as_attachment=not inline, filename=filename, content_type=file_type.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if inline:
        # No sandbox here: Chromium refuses to show a PDF in a sandboxed document.
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; frame-ancestors 'self'"
        response["X-Frame-Options"] = "SAMEORIGIN"
    else:
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


#: Slots needing the association come first, then those under review, then those accepted.
STATUS_ORDER = {DocumentStatus.REJECTED: 0, DocumentStatus.EXPECTED: 0, DocumentStatus.RECEIVED: 1, DocumentStatus.ACCEPTED: 2}


def slot_order(document: Document):
    return (STATUS_ORDER.get(document.status, 3), document.due_on is None, document.due_on, document.get_kind_display())


class DocumentListView(MemberConventionMixin, TemplateView):
    """The agreement's expected documents, each with its state and an upload slot."""

    template_name = "conventions/document_list.html"
    failed_form = None

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        cover = vault_cover(self.convention, on=today)
        documents = sorted(self.convention.documents.all(), key=slot_order)
        slots = []
        for document in documents:
            document.convention = self.convention
            if document.status not in DELIVERED and document.kind in cover:
                continue  # given by the vault, shown below: not asked again
            form = None
            if document.status in UPLOADABLE_STATES:
                failed = self.failed_form is not None and self.failed_form.document.pk == document.pk
                form = self.failed_form if failed else DocumentUploadForm(document=document)
            overdue = (document.due_on is not None and document.due_on < today
                       and document.status in (DocumentStatus.EXPECTED, DocumentStatus.REJECTED))
            slots.append({"document": document, "form": form, "overdue": overdue,
                          "file_type": document_file_type(document)})
        given = {d.kind for d in documents if d.status in DELIVERED}
        vault = [{"kind": DocumentKind(kind).label, "paper": paper} for kind, paper in cover.items() if kind not in given]
        return super().get_context_data(slots=slots, vault_slots=vault, failed_form=self.failed_form, **kwargs)


class DocumentUploadView(DocumentListView):
    """Receive one slot's file: on success back to the list, else the list with the error."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        document = get_object_or_404(self.convention.documents, pk=kwargs["pk"])
        form = DocumentUploadForm(request.POST, request.FILES, document=document)
        if form.is_valid():
            try:
                document_upload(document=document, uploaded=form.cleaned_data["file"], by=request.user)
            except ValidationError as error:
                form.add_error("file", error)
        if form.errors:
            self.failed_form = form
            return self.render_to_response(self.get_context_data())
        messages.success(request, _("« %(kind)s » est bien déposé. Le service instructeur va l'examiner.")
                         % {"kind": document.get_kind_display()})
        url = reverse("portal_conventions:documents", kwargs={"convention_pk": self.convention.pk})
        return redirect(f"{url}#document-{document.pk}")


class DocumentFileView(MemberConventionMixin, View):
    """Download one document's file, for the association's members only."""

    def get(self, request, *args, **kwargs):
        document = get_object_or_404(self.convention.documents.exclude(file=""), pk=kwargs["pk"])
        document.convention = self.convention
        return document_file_response(document)
