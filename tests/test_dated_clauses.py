"""Texts and obligations by date: each agreement cites, and owes, what was in force when it was voted.

Homes: ``conventions.references`` (the reference date, the funder's financial rules and the legal
references by date), ``documents.obligations.republican_commitment_applies`` (from 2 January 2022),
read by the expected documents, the signature's requirements and the legal checks.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from compliance.checks import State, convention_checks
from conventions.clauses.services import clause_template_install, financial_rules_version_upsert
from conventions.clauses.texts import DEFAULT_NAME, DEFAULT_SECTIONS
from conventions.models import DeliberationBody, Status
from documents.models import DocumentKind
from documents.obligations import expected_documents
from dossier.printing.agreement import agreement_pdf_render
from dossier.requirements import blocking_reasons
from tests.factories import ConventionFactory, balanced_forecast
from tests.pdf_helpers import pdf_text

RULES_2016 = "règlement budgétaire et financier approuvé par la délibération n° FAG 001-1234/16/CM du 15 décembre 2016"
RULES_2020 = "règlement budgétaire et financier approuvé par la délibération n° FBPA 029-8299/20/CM du 31 juillet 2020"


def voted_on(day: date, **fields):
    """An agreement voted on ``day``, with its forecast budget and objectives, ready to print."""
    convention = ConventionFactory(
        fiscal_year=day.year, period_start=date(day.year, 1, 1), period_end=date(day.year, 12, 31),
        status=Status.VOTED, objectives="Accueillir le public", deliberation_body=DeliberationBody.BUREAU,
        deliberation_number=f"DEVT 001/{day.year % 100}/BM", deliberation_date=day, **fields,
    )
    balanced_forecast(convention, charges=D("50000"))
    return convention


@pytest.fixture
def dated_rules(db):
    """The funder's financial rules of 2016 (replaced) and of 2020 (in force), its model agreement."""
    funder = ConventionFactory.build().funder
    funder.save()
    clause_template_install(funder=funder, sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)
    financial_rules_version_upsert(funder=funder, reference=RULES_2016, valid_from=date(2016, 12, 15),
                                   valid_until=date(2020, 7, 30))
    financial_rules_version_upsert(funder=funder, reference=RULES_2020, valid_from=date(2020, 7, 31))
    return funder


def test_a_2017_agreement_cites_the_financial_rules_of_2017_not_those_of_2020(dated_rules):
    text = pdf_text(agreement_pdf_render(voted_on(date(2017, 3, 16), funder=dated_rules)))
    assert f"En application du {RULES_2016}, cette participation" in text
    assert "FBPA 029-8299/20/CM" not in text


def test_a_2023_agreement_cites_the_financial_rules_of_2020(dated_rules):
    text = pdf_text(agreement_pdf_render(voted_on(date(2023, 3, 16), funder=dated_rules)))
    assert f"En application du {RULES_2020}, cette participation" in text
    assert "FAG 001-1234/16/CM" not in text


def test_an_agreement_voted_when_no_version_was_in_force_cites_none_rather_than_a_later_one(dated_rules):
    text = pdf_text(agreement_pdf_render(voted_on(date(2016, 6, 1), funder=dated_rules)))
    assert "En application du règlement budgétaire et financier de la Métropole, cette participation" in text
    assert "FBPA 029-8299/20/CM" not in text and "FAG 001-1234/16/CM" not in text


def test_the_accounting_regulation_cited_is_the_one_in_force_at_the_vote(dated_rules):
    old = pdf_text(agreement_pdf_render(voted_on(date(2017, 3, 16), funder=dated_rules)))
    assert "conformes au règlement n° 99-01 du 16 février 1999 du Comité de la réglementation comptable" in old
    assert "2018-06" not in old
    recent = pdf_text(agreement_pdf_render(voted_on(date(2023, 3, 16), funder=dated_rules)))
    assert "conformes au règlement n° 2018-06 du 5 décembre 2018 de l'Autorité des normes comptables" in recent


def test_no_republican_commitment_contract_is_asked_of_an_agreement_voted_in_2021(db):
    convention = voted_on(date(2021, 12, 16))
    kinds = [d.kind for d in expected_documents(convention, auditor_required=False)]
    assert DocumentKind.INSURANCE in kinds and DocumentKind.REPUBLICAN_COMMITMENT not in kinds
    assert not any("engagement républicain" in reason for reason in blocking_reasons(convention, "sign"))
    check = next(c for c in convention_checks(convention, today=date(2022, 6, 1)) if c.code == "republican_commitment")
    assert check.state == State.NOT_APPLICABLE
    assert check.detail == ("Convention votée avant le 2 janvier 2022 : le contrat d'engagement républicain "
                            "ne s'applique pas.")


def test_the_republican_commitment_contract_is_asked_from_2_january_2022(db):
    convention = voted_on(date(2022, 1, 2))
    kinds = [d.kind for d in expected_documents(convention, auditor_required=False)]
    assert DocumentKind.REPUBLICAN_COMMITMENT in kinds
    assert "La signature attend de l'association : Contrat d'engagement républicain signé." in blocking_reasons(
        convention, "sign")
    check = next(c for c in convention_checks(convention, today=date(2022, 6, 1)) if c.code == "republican_commitment")
    assert check.state == State.TODO
