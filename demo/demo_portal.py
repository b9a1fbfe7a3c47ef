"""Demo data for the association portal: a rejected document, and a pending invitation.

Gives the member ``asso2`` (Les Jardins partagés de l'Huveaune) a document refused with its
reason (the documents an agreement owes are created by ``conventions.documents.documents_expect``
and the reminders command), and the agent an invitation to look at.
"""

from beneficiaries.models import Beneficiary, Invitation, MemberRole
from beneficiaries.services import invitation_create
from conventions.models import Convention
from core.deadlines import justification_due_date
from documents.models import Document, DocumentKind, DocumentStatus


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
