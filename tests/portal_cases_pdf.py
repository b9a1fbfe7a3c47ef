"""Tenant isolation cases of the signed agreement's portal pages (conventions/portal_views.py)."""

import io
from datetime import date

from django.core.files.base import ContentFile
from pypdf import PdfWriter

from conventions.freeze import sha256_hex
from conventions.models import Amendment, AmendmentStatus, Convention, Status
from core.storage import private_storage
from tests.portal_cases import isolation_case

#: One small stored file shared by the cases, written once: test runs do not pile files up.
STORED_NAME = "conventions/signed/cas-isolation.pdf"
STORED_CONTENT = b"%PDF-1.7\n% signed document of the isolation cases\n%%EOF\n"


def _stored_pdf() -> tuple[str, str]:
    storage = private_storage()
    if not storage.exists(STORED_NAME):
        storage.save(STORED_NAME, ContentFile(STORED_CONTENT))
    return STORED_NAME, sha256_hex(STORED_CONTENT)


def _one_page_pdf() -> bytes:
    """A real one-page PDF: the executory copy stamps the first page of what is stored."""
    writer, output = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=595, height=842)
    writer.write(output)
    return output.getvalue()


def _signed(convention) -> Convention:
    name, sha = _stored_pdf()
    Convention.objects.filter(pk=convention.pk).update(status=Status.SIGNED, signed_pdf=name, signed_pdf_sha256=sha)
    return convention


@isolation_case("portal_conventions:signed_documents")
def _signed_documents(convention):
    return {"convention_pk": _signed(convention).pk}


@isolation_case("portal_conventions:signed_pdf")
def _signed_pdf(convention):
    return {"convention_pk": _signed(convention).pk}


@isolation_case("portal_conventions:amendment_signed_pdf")
def _amendment_signed_pdf(convention):
    name, sha = _stored_pdf()
    amendment = Amendment.objects.create(
        convention=_signed(convention), number=1, subject="Prolongation", text="La période est prolongée.",
        status=AmendmentStatus.SIGNED, signed_pdf=name, signed_pdf_sha256=sha,
    )
    return {"convention_pk": convention.pk, "amendment_pk": amendment.pk}


@isolation_case("portal_conventions:executory_pdf")
def _executory_pdf(convention):
    content = _one_page_pdf()
    storage = private_storage()
    name = "conventions/signed/cas-isolation-executoire.pdf"
    if not storage.exists(name):
        storage.save(name, ContentFile(content))
    with storage.open(name, "rb") as stored:
        sha = sha256_hex(stored.read())
    Convention.objects.filter(pk=convention.pk).update(
        status=Status.SIGNED, signed_pdf=name, signed_pdf_sha256=sha, legality_received_on=date(2025, 4, 11))
    return {"convention_pk": convention.pk}
