"""Legal thresholds and obligations (DOMAIN.md §8): each limit tested on both sides."""

from datetime import date
from decimal import Decimal as D

import pytest

from beneficiaries.models import Beneficiary
from budgets.models import BudgetKind, BudgetScope, BudgetStatus
from budgets.rules import public_cofunding
from compliance.checks import (
    State,
    certified_accounts_required,
    checks_by_convention,
    convention_checks,
    for_compliance,
    open_data_required,
    written_agreement_required,
)
from conventions.models import Amendment, AmendmentStatus, Convention, Status
from documents.models import DocumentKind, DocumentStatus
from documents.obligations import (
    agreement_date,
    association_years,
    auditor_required,
    expected_documents,
    open_data_due_date,
)
from tests.factories import (
    BeneficiaryFactory,
    BudgetFactory,
    BudgetLineFactory,
    ConventionFactory,
    DocumentFactory,
)

SIGNED = {"status": Status.ACTIVE, "beneficiary_signed_on": date(2025, 4, 2), "funder_signed_on": date(2025, 4, 10)}


def check(convention, code, today=date(2025, 6, 1)):
    return next(c for c in convention_checks(convention, today=today) if c.code == code)


def with_budget(convention, lines, scope=BudgetScope.GLOBAL):
    budget = BudgetFactory(convention=convention, scope=scope)
    for code, amount, granting in lines:
        BudgetLineFactory(budget=budget, code=code, amount=D(amount), is_granting_funder=granting)
    return budget


# --- Thresholds, on both sides of each limit ---------------------------------------------------

@pytest.mark.parametrize("amount, required", [("22999.99", False), ("23000.00", False), ("23000.01", True)])
def test_a_written_agreement_is_required_above_23000_euros(amount, required):
    assert written_agreement_required(D(amount)) is required


@pytest.mark.parametrize("amount, required", [("23000.00", False), ("23000.01", True)])
def test_open_data_publication_is_required_above_23000_euros(amount, required):
    assert open_data_required(D(amount)) is required


@pytest.mark.parametrize("total, required", [("152999.99", False), ("153000.00", True), ("153000.01", True)])
def test_a_statutory_auditor_is_required_from_153000_euros_of_public_subsidies(total, required):
    assert auditor_required(D(total)) is required


@pytest.mark.parametrize(
    "amount, share, required",
    [
        ("75000.00", None, False),
        ("75000.01", None, True),
        ("10000.00", D("0.5"), False),
        ("10000.00", D("0.5000001"), True),
        ("10000.00", D("0.49"), False),
    ],
)
def test_certified_accounts_are_due_above_75000_euros_or_half_the_budget(amount, share, required):
    assert certified_accounts_required(D(amount), share) is required


@pytest.mark.parametrize("amount, state", [("23000.00", State.NOT_APPLICABLE), ("23000.01", State.TODO)])
def test_the_written_agreement_check_on_both_sides_of_23000(db, amount, state):
    convention = ConventionFactory(amount_granted=D(amount))
    assert check(convention, "written_agreement").state == state


def test_a_signed_agreement_above_23000_meets_the_written_agreement_rule(db):
    convention = ConventionFactory(amount_granted=D("30000"), **SIGNED)
    result = check(convention, "written_agreement")
    assert result.state == State.OK and result.due_on == date(2025, 4, 10)
    assert "Loi n° 2000-321" in str(result.legal_basis) and "2001-495" in str(result.legal_basis)


def test_thresholds_apply_to_the_amount_in_force_after_signed_amendments(db):
    """20 000 € raised to 25 000 € by a signed amendment: written agreement and open data now apply."""
    convention = ConventionFactory(amount_granted=D("20000"), **SIGNED)
    draft = Amendment.objects.create(convention=convention, number=1, subject="Hausse", text="Hausse.",
                                     amount_change=D("5000"))
    assert check(convention, "written_agreement").state == State.NOT_APPLICABLE  # a draft changes nothing
    assert check(convention, "open_data").state == State.NOT_APPLICABLE
    Amendment.objects.filter(pk=draft.pk).update(status=AmendmentStatus.SIGNED)
    result = check(convention, "written_agreement")
    assert result.state == State.OK and "25\u202f000\u00a0€" in result.detail
    assert check(convention, "open_data").state == State.TODO
    bulk = checks_by_convention(for_compliance(Convention.objects.filter(pk=convention.pk)), today=date(2025, 6, 1))
    assert next(c for c in bulk[convention.pk] if c.code == "open_data").state == State.TODO


def test_the_association_year_counts_each_agreement_at_its_amount_in_force(db):
    beneficiary = BeneficiaryFactory()
    first = ConventionFactory(beneficiary=beneficiary, amount_granted=D("80000"), fiscal_year=2025, **SIGNED)
    ConventionFactory(beneficiary=beneficiary, amount_granted=D("70000"), fiscal_year=2025)
    Amendment.objects.create(convention=first, number=1, subject="Hausse", text="Hausse.",
                             amount_change=D("3000"), status=AmendmentStatus.SIGNED)
    Amendment.objects.create(convention=first, number=2, subject="Hausse", text="Hausse.", amount_change=D("1000"))
    year = association_years([(beneficiary.pk, 2025)])[(beneficiary.pk, 2025)]
    assert year.public_subsidies == D("153000.00")  # 83 000 + 70 000: the auditor is required
    assert check(first, "statutory_auditor").state == State.TODO


# --- Open data: three months after signature ---------------------------------------------------

def test_open_data_is_due_three_months_after_the_later_signature(db):
    convention = ConventionFactory(amount_granted=D("30000"), **SIGNED)
    assert agreement_date(convention) == date(2025, 4, 10)
    assert open_data_due_date(date(2025, 4, 10)) == date(2025, 7, 10)
    assert open_data_due_date(date(2025, 11, 30)) == date(2026, 2, 28)


@pytest.mark.parametrize("today, state", [(date(2025, 7, 10), State.TODO), (date(2025, 7, 11), State.LATE)])
def test_open_data_is_late_the_day_after_its_due_date(db, today, state):
    convention = ConventionFactory(amount_granted=D("30000"), **SIGNED)
    result = check(convention, "open_data", today)
    assert result.state == state and result.due_on == date(2025, 7, 10)
    assert "2017-779" in str(result.legal_basis)


def test_publishing_the_data_meets_the_open_data_rule(db):
    convention = ConventionFactory(amount_granted=D("30000"), open_data_published_on=date(2025, 6, 1), **SIGNED)
    result = check(convention, "open_data", date(2026, 1, 1))
    assert result.state == State.OK and "Publiée le 1er juin 2025" in result.detail


def test_open_data_does_not_apply_at_23000_euros(db):
    convention = ConventionFactory(amount_granted=D("23000"), **SIGNED)
    assert check(convention, "open_data", date(2026, 1, 1)).state == State.NOT_APPLICABLE


# --- Statutory auditor: the association's public subsidies of the year -------------------------

def test_public_cofunding_counts_public_chapter_74_lines_except_the_granting_funder(db):
    convention = ConventionFactory(amount_granted=D("66000"))
    budget = with_budget(convention, [("742", "1000", False), ("745", "500", False), ("744", "66000", True),
                                      ("740", "9000", False), ("756", "3000", False)])
    assert public_cofunding(budget) == D("1500.00")


@pytest.mark.parametrize("cofunding, state", [("52999.99", State.NOT_APPLICABLE), ("53000.00", State.TODO)])
def test_the_auditor_threshold_sums_agreements_and_cofunders(db, cofunding, state):
    convention = ConventionFactory(amount_granted=D("100000"))
    with_budget(convention, [("641", "300000", False), ("744", "100000", True), ("742", cofunding, False)])
    result = check(convention, "statutory_auditor")
    assert result.state == state
    assert str(result.legal_basis) == "Code de commerce, art. L612-4 et D612-5"


def test_every_agreement_of_the_association_in_the_year_counts_for_the_auditor(db):
    beneficiary = BeneficiaryFactory()
    first = ConventionFactory(beneficiary=beneficiary, amount_granted=D("80000"), fiscal_year=2025)
    ConventionFactory(beneficiary=beneficiary, amount_granted=D("73000"), fiscal_year=2025)
    ConventionFactory(beneficiary=beneficiary, amount_granted=D("90000"), fiscal_year=2024)
    ConventionFactory(beneficiary=beneficiary, amount_granted=D("90000"), fiscal_year=2025, status=Status.REFUSED)
    year = association_years([(beneficiary.pk, 2025)])[(beneficiary.pk, 2025)]
    assert year.public_subsidies == D("153000.00")
    assert check(first, "statutory_auditor").state == State.TODO


def test_the_auditor_report_meets_the_obligation_and_is_late_after_the_justification_date(db):
    convention = ConventionFactory(amount_granted=D("160000"), **SIGNED)
    assert check(convention, "statutory_auditor", date(2026, 6, 30)).state == State.TODO
    late = check(convention, "statutory_auditor", date(2026, 7, 1))
    assert late.state == State.LATE and late.due_on == date(2026, 6, 30)
    DocumentFactory(convention=convention, kind=DocumentKind.AUDITOR_REPORT, status=DocumentStatus.RECEIVED)
    assert check(convention, "statutory_auditor", date(2026, 7, 1)).state == State.OK


def test_the_seed_association_must_have_a_statutory_auditor(seed_convention):
    key = (seed_convention.beneficiary_id, 2023)
    year = association_years([key])[key]
    assert year.agreements_total == D("66000.00")
    assert year.public_cofunding == D("453993.00")
    assert year.public_subsidies == D("519993.00")
    result = check(seed_convention, "statutory_auditor", date(2024, 1, 15))
    assert result.state == State.TODO and result.due_on == date(2024, 6, 30)
    assert "519\u202f993\u00a0€" in result.detail and "Commissaire aux comptes obligatoire" in result.detail


def test_the_seed_association_owes_no_certified_accounts_at_6_92_percent(seed_convention):
    result = check(seed_convention, "certified_accounts", date(2024, 1, 15))
    assert result.state == State.NOT_APPLICABLE
    assert "66\u202f000\u00a0€" in result.detail and "6,92\u00a0%" in result.detail


def test_the_seed_association_owes_the_auditor_report_once_its_agreement_is_signed(seed_convention):
    assert expected_documents(seed_convention, auditor_required=True) == []  # in review: nothing owed yet
    seed_convention.status = "voted"
    voted = [doc.kind for doc in expected_documents(seed_convention, auditor_required=True)]
    # Once voted, the documents due on signature may be given, the republican commitment contract among them.
    assert DocumentKind.REPUBLICAN_COMMITMENT in voted and DocumentKind.INSURANCE in voted
    assert DocumentKind.FINANCIAL_REPORT not in voted
    seed_convention.status = "signed"
    kinds = [doc.kind for doc in expected_documents(seed_convention, auditor_required=True)]
    assert DocumentKind.AUDITOR_REPORT in kinds and DocumentKind.FINANCIAL_REPORT in kinds


# --- Certified accounts: more than 75 000 € or more than half of the budget --------------------

@pytest.mark.parametrize("amount, state", [("75000.00", State.NOT_APPLICABLE), ("75000.01", State.TODO)])
def test_certified_accounts_on_both_sides_of_75000(db, amount, state):
    convention = ConventionFactory(amount_granted=D(amount))
    with_budget(convention, [("641", "1000000", False), ("744", amount, True)])
    assert check(convention, "certified_accounts").state == state


@pytest.mark.parametrize("charges, state", [("100000.00", State.NOT_APPLICABLE), ("99999.99", State.TODO)])
def test_certified_accounts_on_both_sides_of_half_the_budget(db, charges, state):
    convention = ConventionFactory(amount_granted=D("50000"))
    with_budget(convention, [("641", charges, False), ("744", "50000", True)])
    result = check(convention, "certified_accounts")
    assert result.state == state
    assert "L2313-1" in str(result.legal_basis)


def test_half_the_budget_is_measured_on_the_global_budget_excluding_in_kind(db):
    convention = ConventionFactory(amount_granted=D("50000"))
    with_budget(convention, [("641", "90000", False), ("864", "60000", False), ("744", "50000", True)])
    assert check(convention, "certified_accounts").state == State.TODO  # 55,56 % of 90 000 €


# --- Financial report: six months after the fiscal year end ------------------------------------

@pytest.mark.parametrize("today, state", [(date(2026, 6, 30), State.TODO), (date(2026, 7, 1), State.LATE)])
def test_the_financial_report_is_due_six_months_after_the_fiscal_year(db, today, state):
    convention = ConventionFactory(**SIGNED)
    result = check(convention, "financial_report", today)
    assert result.state == state and result.due_on == date(2026, 6, 30)
    assert "15059" in str(result.label)


def test_a_submitted_actual_budget_meets_the_financial_report(db):
    convention = ConventionFactory(**SIGNED)
    BudgetFactory(convention=convention, kind=BudgetKind.ACTUAL, status=BudgetStatus.SUBMITTED)
    assert check(convention, "financial_report", date(2026, 7, 1)).state == State.OK


def test_a_rejected_financial_report_is_still_owed(db):
    convention = ConventionFactory(**SIGNED)
    DocumentFactory(convention=convention, kind=DocumentKind.FINANCIAL_REPORT, status=DocumentStatus.REJECTED)
    assert check(convention, "financial_report", date(2026, 7, 1)).state == State.LATE


def test_a_draft_agreement_is_never_late(db):
    convention = ConventionFactory(status=Status.DRAFT)
    assert check(convention, "financial_report", date(2030, 1, 1)).state == State.TODO


# --- Republican commitment, identifiers, void agreements ---------------------------------------

def test_the_republican_commitment_must_be_accepted_by_signature(db):
    convention = ConventionFactory(**SIGNED)
    assert check(convention, "republican_commitment").state == State.LATE
    doc = DocumentFactory(convention=convention, kind=DocumentKind.REPUBLICAN_COMMITMENT, status=DocumentStatus.RECEIVED)
    assert "Reçu, à valider" in check(convention, "republican_commitment").detail
    doc.status = DocumentStatus.ACCEPTED
    doc.save()
    assert check(convention, "republican_commitment").state == State.OK


def test_the_republican_commitment_is_to_do_before_signature(db):
    assert check(ConventionFactory(), "republican_commitment").state == State.TODO


def test_invalid_identifiers_entered_before_validation_are_flagged(db):
    convention = ConventionFactory(beneficiary__iban="FR7630004000031234567890143")
    assert check(convention, "identifiers").state == State.OK
    Beneficiary.objects.filter(pk=convention.beneficiary_id).update(iban="FR7630004000031234567890144")
    convention = Convention.objects.select_related("beneficiary", "funder").get(pk=convention.pk)
    result = check(convention, "identifiers")
    assert result.state == State.TODO and "IBAN invalide" in result.detail


def test_a_missing_iban_is_flagged(db):
    result = check(ConventionFactory(), "identifiers")
    assert result.state == State.TODO and "IBAN manquant" in result.detail


@pytest.mark.parametrize("status", [Status.REFUSED, Status.CANCELLED])
def test_a_refused_or_cancelled_agreement_owes_nothing(db, status):
    convention = ConventionFactory(status=status, amount_granted=D("200000"))
    assert {c.state for c in convention_checks(convention, today=date(2030, 1, 1))} == {State.NOT_APPLICABLE}


def test_every_check_names_its_legal_basis(seed_convention):
    checks = convention_checks(seed_convention, today=date(2024, 1, 1))
    assert [c.code for c in checks] == [
        "written_agreement", "open_data", "statutory_auditor", "certified_accounts", "financial_report",
        "republican_commitment", "identifiers",
    ]
    assert all(str(c.legal_basis) for c in checks)


def test_checks_in_bulk_take_a_fixed_number_of_queries(db, django_assert_num_queries):
    for _ in range(3):
        with_budget(ConventionFactory(**SIGNED), [("641", "1000", False), ("744", "10000", True)])
    # agreements, documents, actual budgets, association years (and the years of multi-year agreements),
    # the papers in force in the associations' vaults
    with django_assert_num_queries(6):
        first = checks_by_convention(for_compliance(Convention.objects.all()), today=date(2026, 1, 1))
    for _ in range(5):
        with_budget(ConventionFactory(**SIGNED), [("641", "1000", False), ("744", "10000", True)])
    with django_assert_num_queries(6):
        second = checks_by_convention(for_compliance(Convention.objects.all()), today=date(2026, 1, 1))
    assert len(first) == 3 and len(second) == 8
