"""Helpers for the tests of printed documents: read a PDF back as text, sign the seed agreement."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from conventions.models import Amendment, AmendmentStatus, Convention, DeliberationBody, Status
from conventions.services import convention_load_history, convention_upsert
from core.storage import private_storage
from documents.models import Document, DocumentKind, DocumentStatus
from dossier.printing.freeze import amendment_freeze_signed_pdf, convention_freeze_signed_pdf

SIGNED_PATH = [Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.VOTED, Status.SIGNED]


def normalize(text: str) -> str:
    """Collapse every kind of space (French narrow no-break spaces included) into one space."""
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\u00a0", " ")).strip()


def pdf_pages(content: bytes) -> list[str]:
    """Return the text of each page of a PDF, normalized."""
    assert content.startswith(b"%PDF-"), "not a PDF"
    return [normalize(page.extract_text() or "") for page in PdfReader(io.BytesIO(content)).pages]


def pdf_text(content: bytes) -> str:
    return " ".join(pdf_pages(content))


def record_vote_and_signatures(convention: Convention) -> Convention:
    """Fill what the final print needs (deliberation, signature dates), then mark it signed."""
    convention = convention_upsert(
        reference=convention.reference, deliberation_body=DeliberationBody.BUREAU,
        deliberation_number="DEVT 012-3456/23/BM", deliberation_date=date(2023, 3, 16),
        beneficiary_signed_on=date(2023, 3, 24), funder_signed_on=date(2023, 4, 3),
    )
    convention_load_history(convention=convention, path=SIGNED_PATH)
    return convention


def deliver_republican_commitment(convention: Convention) -> None:
    """Record the republican commitment contract as received: the signature waits for it."""
    Document.objects.update_or_create(convention=convention, kind=DocumentKind.REPUBLICAN_COMMITMENT,
                                      defaults={"status": DocumentStatus.RECEIVED})


def sign_and_freeze(convention: Convention, user=None) -> Convention:
    convention = record_vote_and_signatures(convention)
    convention_freeze_signed_pdf(convention=convention, user=user)
    convention.refresh_from_db()
    return convention


def sign_and_freeze_pim_amendment() -> Amendment:
    """Sign the demo's amendment n° 1 of AMP-2026-CULT-PIM and freeze its PDF, as the signature does."""
    amendment = Amendment.objects.get(convention__reference="AMP-2026-CULT-PIM", number=1)
    Amendment.objects.filter(pk=amendment.pk).update(
        status=AmendmentStatus.SIGNED, beneficiary_signed_on=date(2026, 9, 1), funder_signed_on=date(2026, 9, 8),
    )
    amendment.refresh_from_db()
    amendment_freeze_signed_pdf(amendment=amendment, user=None)
    amendment.refresh_from_db()
    return amendment


@pytest.fixture
def clean_private_files():
    """Delete the signed PDFs a test stored, so that runs do not pile files up."""
    root = Path(private_storage().location)
    before = set(root.rglob("*")) if root.exists() else set()
    yield
    if root.exists():
        for path in set(root.rglob("*")) - before:
            if path.is_file():
                path.unlink()
