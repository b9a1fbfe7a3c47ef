"""The executory copy: the signed PDF with the legality control's mention stamped on its first page.

The signed PDF is frozen at signature, before the agreement is sent to the préfecture: its
bytes and SHA-256 never change. Once the receipt is recorded, ``executory_copy`` returns a new
document: the signed pages as stored (checked against their fingerprint), the first one
stamped, in its top margin, with the same mention the agreement's cover prints
(``conventions.legality.legality_mention``), as the préfecture's acknowledgement stamps it.
"""

import io

from django.utils import translation
from pypdf import PdfReader, PdfWriter

from conventions.freeze import has_signed_pdf, signed_pdf_bytes
from conventions.legality import legality_mention
from conventions.models import Convention
from core.pdf import render_pdf

STAMP_TEMPLATE = "conventions/pdf/legality_stamp.html"


def has_executory_copy(convention: Convention) -> bool:
    """Return True when the signed PDF is stored and its receipt at the legality control recorded."""
    return convention.is_signed and has_signed_pdf(convention) and bool(legality_mention(convention))


def executory_copy(convention: Convention) -> bytes:
    """Return the signed PDF stamped with the legality mention (raises ``SignedPdfAltered`` if altered)."""
    signed = signed_pdf_bytes(convention)
    with translation.override("fr"):
        stamp = render_pdf(STAMP_TEMPLATE, {"convention": convention, "legality": legality_mention(convention)})
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(signed)))
    writer.pages[0].merge_page(PdfReader(io.BytesIO(stamp)).pages[0])
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def executory_filename(convention: Convention) -> str:
    return f"convention-{convention.reference}-executoire.pdf"
