"""The documents an association owes for an agreement, and when (DOMAIN.md §7, seed art. 3, 6)."""

from django.db import transaction

from .deadlines import add_months, justification_due_date
from .models import Convention, Document, DocumentKind

#: Owed once the agreement is signed and notified: due one month after notification.
ON_SIGNATURE = (
    DocumentKind.INSURANCE, DocumentKind.BANK_DETAILS, DocumentKind.STATUTES, DocumentKind.BOARD_LIST,
    DocumentKind.REPUBLICAN_COMMITMENT,
)
#: Owed within six months after the fiscal year's end (art. 6.2), and the financial report by law.
AFTER_FISCAL_YEAR = (
    DocumentKind.ANNUAL_ACCOUNTS, DocumentKind.ACTIVITY_REPORT, DocumentKind.GENERAL_ASSEMBLY,
    DocumentKind.FINANCIAL_REPORT,
)


@transaction.atomic
def documents_expect(*, convention: Convention) -> list[Document]:
    """Create the expected documents of ``convention`` with their due dates (idempotent)."""
    on_signature_due = add_months(convention.notified_on, 1) if convention.notified_on else None
    wanted = [(kind, on_signature_due) for kind in ON_SIGNATURE]
    wanted += [(kind, justification_due_date(convention)) for kind in AFTER_FISCAL_YEAR]
    documents = []
    for kind, due_on in wanted:
        document, created = Document.objects.get_or_create(convention=convention, kind=kind, defaults={"due_on": due_on})
        if not created and document.due_on is None:
            document.due_on = due_on
            document.save(update_fields=["due_on"])
        documents.append(document)
    return documents
