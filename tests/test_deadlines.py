from datetime import date

from core.deadlines import add_months, justification_due_date
from tests.factories import BeneficiaryFactory, ConventionFactory


def test_documents_are_due_six_months_after_a_calendar_fiscal_year(db):
    convention = ConventionFactory(fiscal_year=2023)
    assert justification_due_date(convention) == date(2024, 6, 30)


def test_documents_are_due_six_months_after_a_fiscal_year_ending_in_august(db):
    convention = ConventionFactory(fiscal_year=2025, beneficiary=BeneficiaryFactory(fiscal_year_end_month=8))
    assert justification_due_date(convention) == date(2026, 2, 28)


def test_adding_months_clamps_to_the_end_of_the_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 15), 3) == date(2024, 2, 15)
