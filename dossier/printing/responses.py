"""HTTP answers for the printed documents, shared by the staff admin and the portal."""

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.text import get_valid_filename

from conventions.freeze import SignedPdfAltered, signed_pdf_bytes
from conventions.models import Amendment


def pdf_response(content: bytes, filename: str, *, download: bool) -> HttpResponse:
    """Return ``content`` as a PDF, shown in the browser or downloaded as ``filename``."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(download, get_valid_filename(filename))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def signed_pdf_response(request, obj, filename: str, *, download: bool = True, base_template: str) -> HttpResponse:
    """Return the exact stored bytes of a signed document, or a French error if they were altered."""
    try:
        content = signed_pdf_bytes(obj)
    except SignedPdfAltered:
        return TemplateResponse(
            request, "conventions/signed_pdf_altered.html", {"base_template": base_template, "object": obj},
            status=409,
        )
    return pdf_response(content, filename, download=download)


def signed_filename(obj) -> str:
    """Return the download name of a signed agreement or amendment."""

    if isinstance(obj, Amendment):
        return f"avenant-{obj.number}-{obj.convention.reference}-signe.pdf"
    return f"convention-{obj.reference}-signee.pdf"
