"""The rules of campaigns (campaigns/rules.py): the envelope's remainder, the year's cumulated total per
association and funder, and the checks shown beside an application under instruction."""

from datetime import date
from decimal import Decimal as D

import pytest

from campaigns.models import ApplicationStatus
from campaigns.rules import beneficiary_year_total, envelope_remaining, instruction_checks
from compliance.checks import State, convention_checks
from conventions.models import Status
from tests.factories import (
    ApplicationFactory,
    BeneficiaryFactory,
    BudgetLineFactory,
    CampaignFactory,
    ConventionFactory,
    FunderFactory,
)

pytestmark = pytest.mark.django_db


def checks_of(application) -> dict:
    return {check.code: check for check in instruction_checks(application)}


def with_action_budget(application, charges):
    BudgetLineFactory(budget=application.budget, code="641", label="Salaires", amount=D(charges))
    BudgetLineFactory(budget=application.budget, code="744", label="Métropole", amount=D(charges))
    return application


# --- The envelope -------------------------------------------------------------------------------


def test_the_envelope_remaining_is_the_envelope_less_what_is_proposed_and_granted():
    campaign = CampaignFactory(envelope=D("100000"))
    ApplicationFactory(campaign=campaign, status=ApplicationStatus.PROPOSED, proposed_amount=D("30000"))
    ApplicationFactory(campaign=campaign, status=ApplicationStatus.GRANTED, proposed_amount=D("99999"),
                       granted_amount=D("25000.50"))
    # Neither requested amounts nor refused, not-granted or still-instructed proposals count.
    ApplicationFactory(campaign=campaign, status=ApplicationStatus.SUBMITTED, requested_amount=D("50000"))
    ApplicationFactory(campaign=campaign, status=ApplicationStatus.NOT_GRANTED, proposed_amount=D("7000"))
    ApplicationFactory(campaign=campaign, status=ApplicationStatus.REFUSED)
    ApplicationFactory(status=ApplicationStatus.PROPOSED, proposed_amount=D("40000"))  # another campaign
    assert envelope_remaining(campaign) == D("44999.50")


def test_an_empty_campaign_has_its_whole_envelope():
    assert envelope_remaining(CampaignFactory(envelope=D("12345.67"))) == D("12345.67")


# --- The year's cumulated total ----------------------------------------------------------------


def test_the_year_total_adds_agreements_in_force_and_applications_not_yet_agreements():
    funder, beneficiary = FunderFactory(), BeneficiaryFactory()
    ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2027, amount_granted=D("20000"))
    ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2027, amount_granted=D("9000"),
                      status=Status.REFUSED)  # refused: gave nothing
    ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2026, amount_granted=D("50000"))
    campaign = CampaignFactory(programme__funder=funder, year=2027)
    ApplicationFactory(campaign=campaign, beneficiary=beneficiary, status=ApplicationStatus.PROPOSED,
                       proposed_amount=D("16500"))
    ApplicationFactory(campaign=campaign, beneficiary=beneficiary, status=ApplicationStatus.SUBMITTED,
                       requested_amount=D("90000"))  # only requested: not given
    turned = ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2027, amount_granted=D("3000"))
    ApplicationFactory(campaign=campaign, beneficiary=beneficiary, status=ApplicationStatus.GRANTED,
                       granted_amount=D("3000"), convention=turned)  # counted once, as its agreement
    total = beneficiary_year_total(beneficiary=beneficiary, funder=funder, year=2027)
    assert (total.agreements, total.applications, total.total) == (D("23000"), D("16500"), D("39500"))


def test_the_year_total_leaves_an_amount_not_given_out_and_says_so():
    funder, beneficiary = FunderFactory(), BeneficiaryFactory()
    ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2027, amount_granted=None)
    total = beneficiary_year_total(beneficiary=beneficiary, funder=funder, year=2027)
    assert total.total == D("0") and total.unknown_amounts == 1
    assert "non chiffré" in total.shown()


# --- Instruction checks -------------------------------------------------------------------------


def test_a_request_above_the_action_budget_is_flagged():
    application = with_action_budget(ApplicationFactory(requested_amount=D("12000")), "10000")
    check = checks_of(application)["budget"]
    assert check.is_warning and "supérieur au total des charges" in check.detail
    application.requested_amount = D("10000")
    assert not checks_of(application)["budget"].is_warning


def test_strong_growth_over_last_years_agreements_is_flagged_above_20_percent():
    funder, beneficiary = FunderFactory(), BeneficiaryFactory()
    ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2026, amount_granted=D("10000"),
                      status=Status.ACTIVE)
    ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2026, amount_granted=D("50000"),
                      status=Status.DRAFT)  # never voted: last year gave it nothing
    application = ApplicationFactory(campaign__programme__funder=funder, campaign__year=2027, beneficiary=beneficiary,
                                     requested_amount=D("12000"))
    assert not checks_of(application)["growth"].is_warning  # +20 %: not more
    assert "contre 10\u202f000\u00a0€ en 2026" in checks_of(application)["growth"].detail
    application.requested_amount = D("12000.01")
    check = checks_of(application)["growth"]
    assert check.is_warning and "Forte hausse" in check.detail


def test_two_subsidies_of_the_year_crossing_23000_together_require_an_agreement():
    """20 000 € already proposed and 16 500 € requested: 36 500 € cumulated, an agreement is owed."""
    funder, beneficiary = FunderFactory(), BeneficiaryFactory()
    campaign = CampaignFactory(programme__funder=funder, year=2027)
    ApplicationFactory(campaign=campaign, beneficiary=beneficiary, status=ApplicationStatus.PROPOSED,
                       proposed_amount=D("20000"))
    application = ApplicationFactory(campaign=campaign, beneficiary=beneficiary, requested_amount=D("16500"))
    check = checks_of(application)["written_agreement"]
    assert check.is_warning and "Convention obligatoire" in check.detail
    assert "36\u202f500\u00a0€" in check.detail
    alone = ApplicationFactory(campaign=campaign, requested_amount=D("16500"))
    assert not checks_of(alone)["written_agreement"].is_warning


def test_certified_accounts_above_75000_or_half_the_budget_and_auditor_from_153000():
    application = with_action_budget(ApplicationFactory(requested_amount=D("50000")), "100000")
    checks = checks_of(application)
    assert not checks["certified_accounts"].is_warning and not checks["statutory_auditor"].is_warning
    application.requested_amount = D("50000.01")  # more than half of the action's 100 000 €
    assert checks_of(application)["certified_accounts"].is_warning
    above = with_action_budget(ApplicationFactory(requested_amount=D("75000.01")), "300000")
    assert checks_of(above)["certified_accounts"].is_warning
    big = with_action_budget(ApplicationFactory(requested_amount=D("152999.99")), "400000")
    assert not checks_of(big)["statutory_auditor"].is_warning
    big.requested_amount = D("153000")
    check = checks_of(big)["statutory_auditor"]
    assert check.is_warning and "Commissaire aux comptes obligatoire" in check.detail


def test_the_proposed_amount_replaces_the_requested_one_in_the_checks():
    application = ApplicationFactory(requested_amount=D("30000"), proposed_amount=D("20000"),
                                     status=ApplicationStatus.IN_INSTRUCTION)
    assert not checks_of(application)["written_agreement"].is_warning


# --- The compliance check on the cumulated amount ----------------------------------------------


def test_the_written_agreement_check_judges_the_funders_agreements_of_the_year_together():
    """Two agreements of 20 000 € and 16 500 € with the same association in 2025: a written agreement is owed."""
    funder, beneficiary = FunderFactory(), BeneficiaryFactory()
    first = ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2025, amount_granted=D("20000"))
    ConventionFactory(funder=funder, beneficiary=beneficiary, fiscal_year=2025, amount_granted=D("16500"))
    check = next(c for c in convention_checks(first, today=date(2025, 6, 1)) if c.code == "written_agreement")
    assert check.state == State.TODO
    assert "pas plus de 23 000" not in check.detail
    assert "36\u202f500\u00a0€" in check.detail and "20\u202f000\u00a0€" in check.detail


def test_agreements_of_another_year_or_funder_are_not_added():
    beneficiary = BeneficiaryFactory()
    first = ConventionFactory(beneficiary=beneficiary, fiscal_year=2025, amount_granted=D("20000"))
    ConventionFactory(beneficiary=beneficiary, fiscal_year=2024, amount_granted=D("16500"))
    ConventionFactory(beneficiary=beneficiary, fiscal_year=2025, amount_granted=D("16500"),
                      funder=FunderFactory(siret="21130055300016", name="Ville de Marseille"))
    check = next(c for c in convention_checks(first, today=date(2025, 6, 1)) if c.code == "written_agreement")
    assert check.state == State.NOT_APPLICABLE and "pas plus de 23 000" in check.detail
