"""What an association owes for an agreement, and when (DOMAIN.md §7, §8).

The date of the agreement, the open-data publication deadline and the list of expected
documents with their due dates are derived here from the agreement and the association's
fiscal year; ``conventions.deadlines`` gives the six-month justification deadline.
"""

from dataclasses import dataclass
from datetime import date

from .deadlines import add_months, justification_due_date
from .models import SIGNED_STATES, DocumentKind, DocumentStatus

OPEN_DATA_DELAY_MONTHS = 3

#: Documents due when the agreement is signed (seed art. 3; loi 2000-321 art. 10-1).
ON_SIGNATURE = (
    DocumentKind.INSURANCE,
    DocumentKind.BANK_DETAILS,
    DocumentKind.STATUTES,
    DocumentKind.BOARD_LIST,
    DocumentKind.REPUBLICAN_COMMITMENT,
)

#: Documents due six months after the end of the fiscal year (seed art. 6.2; Cerfa 15059).
AFTER_FISCAL_YEAR = (
    DocumentKind.ANNUAL_ACCOUNTS,
    DocumentKind.ACTIVITY_REPORT,
    DocumentKind.GENERAL_ASSEMBLY,
    DocumentKind.FINANCIAL_REPORT,
)

#: A document is delivered once received; a rejected one is owed again.
DELIVERED = frozenset({DocumentStatus.RECEIVED, DocumentStatus.ACCEPTED})


@dataclass(frozen=True)
class ExpectedDocument:
    kind: str
    due_on: date | None


def agreement_date(convention) -> date | None:
    """Return the date of the agreement: the later of the two signatures, once both are known."""
    if convention.beneficiary_signed_on and convention.funder_signed_on:
        return max(convention.beneficiary_signed_on, convention.funder_signed_on)
    if convention.status in SIGNED_STATES:
        return convention.funder_signed_on or convention.beneficiary_signed_on
    return None


def open_data_due_date(signed_on: date) -> date:
    """Return the last day to publish the agreement's data: three months after signature."""
    return add_months(signed_on, OPEN_DATA_DELAY_MONTHS)


def expected_documents(convention, *, auditor_required: bool) -> list[ExpectedDocument]:
    """Return the documents the association owes for ``convention``, each with its due date.

    Documents due on signature have no due date until the agreement is signed. The auditor's
    report is owed only when the association must have a statutory auditor.
    """
    signed_on = agreement_date(convention)
    justification = justification_due_date(convention)
    after = AFTER_FISCAL_YEAR + ((DocumentKind.AUDITOR_REPORT,) if auditor_required else ())
    return [ExpectedDocument(kind, signed_on) for kind in ON_SIGNATURE] + [
        ExpectedDocument(kind, justification) for kind in after
    ]
