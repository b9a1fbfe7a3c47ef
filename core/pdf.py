"""PDF rendering: one module turns a Django template into PDF bytes with WeasyPrint.

WeasyPrint may only read our own static and media files: every other URL (network, other
files on disk) is refused, so a user's text can never make the server fetch anything.
"""

import gc
import re
import threading
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header


class ForbiddenResource(ValueError):
    """Raised for a URL the PDF renderer must not fetch."""


def _allowed_roots() -> list[Path]:
    roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS]
    roots += [Path(settings.STATIC_ROOT).resolve(), Path(settings.MEDIA_ROOT).resolve()]
    return roots


def static_file_uri(path: str) -> str:
    """Return the ``file://`` URI of a static file, for use in PDF templates."""
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(path)
    return Path(found).resolve().as_uri()


def check_url(url: str) -> None:
    """Raise ``ForbiddenResource`` unless ``url`` is a file under our static or media folders."""
    parsed = urlparse(url)
    if parsed.scheme != "file":
        raise ForbiddenResource(f"URL refusée pour le PDF : {url}")
    path = Path(unquote(parsed.path)).resolve()
    if not any(path.is_relative_to(root) for root in _allowed_roots()):
        raise ForbiddenResource(f"Fichier refusé pour le PDF : {path}")


def local_url_fetcher():
    """Return a WeasyPrint fetcher that reads only our own files, never the network."""
    from weasyprint.urls import URLFetcher

    class LocalOnlyURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            check_url(url)
            return super().fetch(url, headers)

    return LocalOnlyURLFetcher(allowed_protocols=("file",))


_thread_local = threading.local()


def _font_config():
    """Return this thread's font configuration, reused so that fonts are loaded once, not per PDF.

    Pango's font maps are not thread-safe: one per thread.
    """
    font_config = getattr(_thread_local, "font_config", None)
    if font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        font_config = _thread_local.font_config = FontConfiguration()
    return font_config


_gc_lock = threading.Lock()
_gc_pauses = {"count": 0, "disabled_by_us": False}


@contextmanager
def _garbage_collector_paused():
    """Pause Python's cyclic garbage collector while WeasyPrint lays a document out.

    Layout allocates hundreds of thousands of objects, which triggers collection after
    collection: about a quarter of the rendering time (see bench/agreement_pdf.py). The cycles
    a document leaves are freed by the collector's next runs once it is enabled again. Renders
    running at the same time in other threads share one pause.
    """
    with _gc_lock:
        if _gc_pauses["count"] == 0 and gc.isenabled():
            gc.disable()
            _gc_pauses["disabled_by_us"] = True
        _gc_pauses["count"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses["count"] -= 1
            if _gc_pauses["count"] == 0 and _gc_pauses["disabled_by_us"]:
                _gc_pauses["disabled_by_us"] = False
                gc.enable()


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render ``template_name`` with ``context`` and return the PDF bytes."""
    from weasyprint import HTML

    html = render_to_string(template_name, context)
    base_url = Path(settings.BASE_DIR).resolve().as_uri() + "/"
    document = HTML(string=html, base_url=base_url, url_fetcher=local_url_fetcher())
    with _garbage_collector_paused():
        return document.write_pdf(font_config=_font_config())


def pdf_filename(*parts: str) -> str:
    """Return a clean ASCII file name ending in ``.pdf``: accents folded, spaces and signs as dashes.

    ``pdf_filename("demande de versement", "solde", "AMP-2023-X")`` → ``demande-de-versement-solde-AMP-2023-X.pdf``.
    """
    text = "-".join(str(part) for part in parts if str(part).strip())
    if text.lower().endswith(".pdf"):
        text = text[:-4]
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9_-]+", "-", text)
    text = re.sub(r"-{2,}", "-", text).strip("-") or "document"
    return f"{text}.pdf"


def pdf_response(content: bytes, filename: str, *, download: bool = True) -> HttpResponse:
    """Return ``content`` as a PDF: every PDF the application serves goes through here.

    Never cached by a browser or a proxy (``private, no-store``: the PDFs hold bank details and
    signatures), never sniffed as another type, named with a clean ASCII file name.
    """
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(download, pdf_filename(filename))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
