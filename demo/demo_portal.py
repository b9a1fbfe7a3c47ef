"""Demo data for the association portal: a rejected document, a pending invitation, and the
statutes and bank details kept in the association's vault (« documents permanents »).

Gives the member ``asso2`` (Les Jardins partagés de l'Huveaune) a document refused with its
reason (the documents an agreement owes are created by ``conventions.documents.documents_expect``
and the reminders command), and the agent an invitation to look at.
"""

import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from beneficiaries.models import Beneficiary, Invitation, MemberRole
from beneficiaries.services import invitation_create
from conventions.models import Convention
from core.deadlines import justification_due_date
from documents.models import Document, DocumentKind, DocumentStatus, VaultPaper
from documents.vault_services import vault_paper_accept, vault_paper_upload

#: The papers the demo association keeps in its vault, with the day each came into force: its
#: agreements show them « fourni (coffre-fort) » instead of asking them.
VAULT_DEMO = ((DocumentKind.STATUTES, date(2018, 11, 24)), (DocumentKind.BANK_DETAILS, date(2021, 3, 2)))


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def load_vault_demo(beneficiary: Beneficiary, users: dict) -> None:
    """Put the demo association's statutes and bank details in its vault, accepted (idempotent)."""
    for kind, valid_from in VAULT_DEMO:
        if VaultPaper.objects.filter(beneficiary=beneficiary, kind=kind).exists():
            continue
        upload = SimpleUploadedFile(f"{kind}.pdf", _blank_pdf(), content_type="application/pdf")
        paper = vault_paper_upload(beneficiary=beneficiary, kind=kind, uploaded=upload, valid_from=valid_from,
                                   by=users["asso2"])
        vault_paper_accept(paper=paper, by=users["agent"])


def load_portal_demo(users: dict) -> None:
    """Add the portal's demo documents and invitation (idempotent)."""
    convention = Convention.objects.select_related("beneficiary").filter(reference="AMP-2025-ENV-JPH").first()
    if convention is None:
        return
    due_on = justification_due_date(convention)
    Document.objects.update_or_create(
        convention=convention, kind=DocumentKind.LOGO_PROOF,
        defaults={"due_on": due_on, "status": DocumentStatus.REJECTED,
                  "rejection_reason": "Le logo de la Métropole n'apparaît pas sur l'affiche transmise : "
                                      "envoyez une affiche ou une page du site où il figure."},
    )
    beneficiary = Beneficiary.objects.get(pk=convention.beneficiary_id)
    email = "tresorerie@jardins-huveaune.invalid"
    if not Invitation.objects.filter(beneficiary=beneficiary, email=email).exists():
        invitation_create(beneficiary=beneficiary, email=email, role=MemberRole.PRESIDENT,
                          invited_by=users.get("agent"), site_url="http://127.0.0.1:8000")
