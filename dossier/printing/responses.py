"""HTTP answers for the printed documents, shared by the staff admin and the portal."""

from django.http import HttpResponse
from django.template.response import TemplateResponse

from conventions.freeze import SignedPdfAltered, signed_pdf_bytes
from conventions.models import Amendment
from core.pdf import pdf_response as core_pdf_response
from dossier.printing.legality import executory_copy, executory_filename


def pdf_response(content: bytes, filename: str, *, download: bool) -> HttpResponse:
    """Return ``content`` as a PDF, shown in the browser or downloaded as ``filename`` (``core.pdf``'s one helper)."""
    return core_pdf_response(content, filename, download=download)


def _altered(request, obj, base_template: str) -> HttpResponse:
    return TemplateResponse(
        request, "conventions/signed_pdf_altered.html", {"base_template": base_template, "object": obj}, status=409,
    )


def signed_pdf_response(request, obj, filename: str, *, download: bool = True, base_template: str) -> HttpResponse:
    """Return the exact stored bytes of a signed document, or a French error if they were altered."""
    try:
        content = signed_pdf_bytes(obj)
    except SignedPdfAltered:
        return _altered(request, obj, base_template)
    return pdf_response(content, filename, download=download)


def executory_pdf_response(request, convention, *, download: bool = True, base_template: str) -> HttpResponse:
    """Return the signed agreement stamped with its legality control, or a French error if it was altered."""
    try:
        content = executory_copy(convention)
    except SignedPdfAltered:
        return _altered(request, convention, base_template)
    return pdf_response(content, executory_filename(convention), download=download)


def signed_filename(obj) -> str:
    """Return the download name of a signed agreement or amendment."""

    if isinstance(obj, Amendment):
        return f"avenant-{obj.number}-{obj.convention.reference}-signe.pdf"
    return f"convention-{obj.reference}-signee.pdf"
