"""The documents an association owes for an agreement, created when it becomes active."""

from .compliance import association_years, auditor_required
from .obligations import expected_documents
from .services import convention_schedule_documents


def documents_expect(*, convention) -> list:
    """Create the documents ``convention`` owes and does not have yet, with their due dates."""
    key = (convention.beneficiary_id, convention.fiscal_year)
    year = association_years([key])[key]
    expected = expected_documents(convention, auditor_required=auditor_required(year.public_subsidies))
    return convention_schedule_documents(convention=convention, expected=expected)
