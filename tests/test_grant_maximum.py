"""Specific grants « dans la limite de » a maximum, and the eligible base without a budget annex.

The payment rules (``finance.rules``: the balance's pro rata, what may be paid), the clauses
(``dossier.printing.agreement``), and the check of the stated share (``compliance.consistency``).
"""

from decimal import Decimal as D

import pytest

from compliance.consistency import consistency_findings
from conventions.clauses.services import clause_template_install
from conventions.clauses.texts import DEFAULT_NAME, DEFAULT_SECTIONS
from conventions.models import Kind, Status
from core.roles import AGENT, FINANCE
from dossier.printing.agreement import agreement_pdf_render
from finance.models import PaymentKind, PaymentStatus
from finance.rules import balance_refusal, overpayment_refusal, schedule
from tests.factories import ConventionFactory, MembershipFactory, PaymentRequestFactory, staff_user
from tests.pdf_helpers import pdf_text
from tests.test_payment_requests import justify, pay, request


def maximum_grant(**fields):
    """15 000 € « dans la limite de », for one action whose eligible base is 50 000 €, no budget attached."""
    values = {"kind": Kind.SPECIFIC, "amount_granted": D("15000"), "amount_is_maximum": True,
              "eligible_base": D("50000"), "action_title": "Festival des jardins", **fields}
    return ConventionFactory(**values)


@pytest.fixture
def advance_paid(db):
    """The maximum grant, active, its advance (80 %: 12 000 €) paid."""
    convention = maximum_grant(status=Status.ACTIVE)
    member = MembershipFactory(beneficiary=convention.beneficiary).user
    pay(request(convention, PaymentKind.ADVANCE, member), staff_user("agent1", AGENT), staff_user("finance1", FINANCE))
    return convention


def test_the_balance_is_prorated_on_the_eligible_base_when_no_budget_is_attached(advance_paid):
    justify(advance_paid, D("30000"))  # 30 000 € spent of the 50 000 € base: 15 000 × 30 / 50 = 9 000 €
    money = schedule(advance_paid)
    assert money.final == D("9000.00")  # not the 15 000 € maximum
    assert money.remaining == D("-3000.00")  # 12 000 € already paid: 3 000 € to recover
    assert "Aucun solde n'est dû : le montant final est de 9\u202f000\u00a0€" in balance_refusal(advance_paid)


def test_a_maximum_grant_never_pays_above_what_the_action_spent(db):
    convention = maximum_grant(status=Status.ACTIVE, eligible_base=None)  # neither budget nor base: the ceiling only
    justify(convention, D("10000"))
    assert schedule(convention).final == D("10000.00")


def test_a_maximum_grant_never_grows_above_its_maximum(advance_paid):
    justify(advance_paid, D("80000"))  # more spent than the base
    assert schedule(advance_paid).final == D("15000.00")


def test_no_payment_beyond_the_final_grant_is_allowed(advance_paid):
    justify(advance_paid, D("30000"))  # final 9 000 €, 12 000 € paid
    payment = PaymentRequestFactory(convention=advance_paid, kind=PaymentKind.BALANCE, amount=D("1000"),
                                    status=PaymentStatus.SUBMITTED)
    refusal = overpayment_refusal(payment)
    assert refusal == ("Ce versement porterait le total versé au-delà du montant final de la subvention "
                       "(9\u202f000\u00a0€), calculé sur les dépenses réelles.")


def test_the_clauses_print_the_maximum_and_the_share_of_the_eligible_base(db):
    convention = maximum_grant(objectives="Accueillir le public")
    clause_template_install(funder=convention.funder, sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)
    text = pdf_text(agreement_pdf_render(convention))
    assert "La Métropole participe dans la limite de 15 000 €, soit 30,00 % de l'assiette éligible de l'action." in text
    assert "(assiette éligible) s'élèvent à 50 000 €" in text
    assert "Elle ne peut en aucun cas dépasser 15 000 €, ni les dépenses réelles justifiées de l'action." in text
    assert "du budget prévisionnel global" not in text


def test_a_share_stated_against_the_base_off_by_a_hundredth_of_a_point_is_reported(db):
    convention = maximum_grant(stated_share_percent=D("30.01"))  # 15 000 ÷ 50 000 = 30,00 %
    [finding] = consistency_findings(convention)
    assert finding.code == "stated_share" and finding.difference == D("-0.01")
    assert finding.message == (
        "La part indiquée dans le texte (30,01\u00a0% de l'assiette éligible) ne correspond pas à la part de "
        "l'assiette éligible calculée (15\u202f000\u00a0€ sur 50\u202f000\u00a0€, soit 30,00\u00a0%) : "
        "écart de 0,01\u00a0point.")


def test_a_share_stated_against_the_base_within_its_printed_rounding_is_consistent(db):
    assert consistency_findings(maximum_grant(stated_share_percent=D("30"))) == []
    assert consistency_findings(maximum_grant(amount_granted=D("15150"), stated_share_percent=D("30"))) == []  # 30,3 %
    [finding] = consistency_findings(maximum_grant(amount_granted=D("15300"), stated_share_percent=D("30")))
    assert "écart de 0,60\u00a0point" in finding.message  # 30,6 % printed as 30 %
