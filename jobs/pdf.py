"""One PDF of many items, rendered by chunks: the job's progress moves at each chunk, and no chunk's
rendering holds more than ``chunk`` items in memory (WeasyPrint's cost grows with the pages)."""

import io
from collections.abc import Callable, Sequence

from pypdf import PdfWriter

from jobs.registry import Progress

CHUNK = 20


def chunked_pdf(items: Sequence, render: Callable[[Sequence], bytes], progress: Progress, *,
                chunk: int | None = None) -> bytes:
    """Return the PDF of ``render(items)``, made ``chunk`` items (``CHUNK``) at a time and merged (pypdf)."""
    chunk = chunk or CHUNK
    progress(0, len(items))
    merged = PdfWriter()
    for start in range(0, len(items), chunk):
        merged.append(io.BytesIO(render(items[start:start + chunk])))
        progress(min(start + chunk, len(items)), len(items))
    out = io.BytesIO()
    merged.write(out)
    return out.getvalue()
