"""The demo agreements of issue 15 (``demo/demo_cases.py``): seed_demo creates them and their PDFs
print what each case is about."""

from decimal import Decimal as D

import pytest

from budgets.rules import budget_totals
from conventions.models import Convention, Status
from demo.demo_cases import (
    BEFORE_2022_REFERENCE,
    FINANCIAL_RULES_2016,
    PLACEHOLDER_DELIBERATION_REFERENCE,
    SPECIFIC_GRANT_REFERENCE,
)
from documents.obligations import republican_commitment_applies
from dossier.printing.agreement import agreement_pdf_render
from tests.pdf_helpers import pdf_text


@pytest.fixture
def cases(demo):
    return {c.reference: c for c in Convention.objects.filter(
        reference__in=[SPECIFIC_GRANT_REFERENCE, PLACEHOLDER_DELIBERATION_REFERENCE, BEFORE_2022_REFERENCE])}


def test_the_specific_grant_prints_its_maximum_and_its_share_of_the_eligible_base(cases):
    convention = cases[SPECIFIC_GRANT_REFERENCE]
    assert convention.status == Status.VOTED and convention.amount_is_maximum
    assert not convention.budgets.exists()  # no budget annex: the eligible base stands for it
    text = pdf_text(agreement_pdf_render(convention))
    assert "CONVENTION ATTRIBUTIVE DE SUBVENTION SPÉCIFIQUE" in text and "Dossier n° GU-2026-00412" in text
    assert "La Métropole participe dans la limite de 15 000 €, soit 31,25 % de l'assiette éligible de l'action." in text
    assert "(assiette éligible) s'élèvent à 48 000 €" in text
    assert "Pour la Présidente et par délégation" in text and "Pascal MARTINI" in text
    assert "Annexe I : Programme d'actions 2026" in text and "Annexe II : Indicateurs à renseigner" in text
    assert "Budget prévisionnel ...." not in text and "Annexe III" not in text


def test_the_placeholder_deliberation_prints_blanks_and_unknown_cofunders_are_not_zero(cases):
    convention = cases[PLACEHOLDER_DELIBERATION_REFERENCE]
    assert convention.status == Status.DRAFT and convention.deliberation_number == "2027/...."
    totals = budget_totals(convention.budgets.get())
    assert totals.unknown_amounts == 2 and totals.total_products == D("120000")
    text = pdf_text(agreement_pdf_render(convention))
    assert "PROJET" in text
    assert "par la délibération n° ……… du Conseil de la Métropole du ……… mars 2027" in text
    assert "Région(s) — Région Sud non renseigné" in text
    assert text.count("non renseigné") == 2  # the Département's line too, never « 0 € »
    assert "2 montants ne sont pas chiffrés" in text


def test_the_agreement_voted_in_2019_cites_the_texts_in_force_then_and_owes_no_republican_contract(cases):
    convention = cases[BEFORE_2022_REFERENCE]
    assert convention.status == Status.CLOSED
    assert not republican_commitment_applies(convention)
    text = pdf_text(agreement_pdf_render(convention, final=True))
    assert "En application du " + FINANCIAL_RULES_2016 in text
    assert "31 juillet 2020" not in text  # the rules adopted after its vote
    assert "règlement n° 99-01 du 16 février 1999" in text
    assert "engagement républicain" not in text
    assert "Annexe II : Contributions non financières" in text and "valorisés à 9 000 €" in text
