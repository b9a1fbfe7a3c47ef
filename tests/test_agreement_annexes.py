"""No empty annexes: the agreement attaches only the annexes it has something for, numbered in
order, and its articles refer to them by those numbers (``dossier/printing/annexes.py``)."""

from decimal import Decimal as D

import pytest

from conventions.clauses.engine import PLACEHOLDERS
from conventions.clauses.services import (
    clause_template_install,
    convention_clause_update,
    convention_clauses_prepare,
)
from conventions.clauses.texts import DEFAULT_NAME, DEFAULT_SECTIONS
from dossier.printing.agreement import (
    AgreementPdfIncomplete,
    agreement_data_load,
    agreement_pdf_render,
)
from dossier.printing.annexes import ANNEXES, annex_placeholders, attached_annexes
from tests.factories import ConventionFactory, balanced_forecast, indicator_set_for_tests
from tests.pdf_helpers import pdf_pages, pdf_text


def printable(**fields):
    """A draft agreement with the model text, objectives and a balanced budget: annex I only."""
    convention = ConventionFactory(objectives="Accueillir le public", **fields)
    clause_template_install(funder=convention.funder, sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)
    balanced_forecast(convention, charges=D("40000"))
    return convention


def test_an_agreement_with_only_a_budget_attaches_annex_one_and_nothing_else(db):
    convention = printable()
    pages = pdf_pages(agreement_pdf_render(convention))
    text = " ".join(pages)
    assert "Annexe I : Budget prévisionnel" in text
    for title in ("Contributions non financières", "Programme d'actions", "Bilan de la période précédente",
                  "Indicateurs à renseigner"):
        assert title not in text
    assert "Annexe II" not in text and "annexe II" not in text and "annexe III" not in text
    assert "Aucune contribution non financière n'est déclarée" not in text  # never a page that says nothing
    assert "Le programme d'actions n'est pas joint" not in text
    assert "L'annexe I présente le budget prévisionnel global" in text
    assert "à la bonne réalisation de ces objectifs" in text  # article 1 points to no programme annex
    assert "le compte rendu financier de l'emploi de la subvention (Cerfa n° 15059)." in text
    # the budget annex starts on the last page and nothing follows it
    assert "Annexe I : Budget prévisionnel" in pages[-1] or "Annexe I : Budget prévisionnel" in pages[-2]


def test_annexes_are_numbered_in_order_and_the_articles_cite_those_numbers(db):
    convention = printable(action_programme="Ateliers\nUn atelier par semaine.")
    indicator_set_for_tests(year=2025, is_default=True)
    text = pdf_text(agreement_pdf_render(convention))
    assert "Annexe II : Programme d'actions 2025" in text
    assert "Annexe III : Indicateurs à renseigner pour l'année 2025" in text
    assert "Son programme d'actions pour l'année 2025 est joint en annexe II." in text
    assert "les indicateurs de l'annexe III, renseignés pour l'année 2025" in text
    assert "Annexe IV" not in text and "annexe V" not in text


def test_annex_two_is_attached_when_contributions_are_declared(db):
    convention = printable(non_financial_contributions="Locaux mis à disposition par la commune.")
    data = agreement_data_load(convention)
    assert [(a.number, a.key) for a in attached_annexes(data)] == [("I", "budget"), ("II", "contributions")]
    text = pdf_text(agreement_pdf_render(convention))
    assert "Annexe II : Contributions non financières" in text and "Locaux mis à disposition" in text
    assert "L'annexe II présente les contributions non financières" in text


def test_every_annex_has_a_clause_placeholder_empty_when_it_is_left_out(db):
    convention = printable()
    placeholders = annex_placeholders(attached_annexes(agreement_data_load(convention)))
    assert set(placeholders) == {f"annex_{key}" for key, _title in ANNEXES}
    assert set(placeholders) <= set(PLACEHOLDERS)  # clauses may use them, and staff see them listed
    assert placeholders["annex_budget"] == "annexe I"
    assert placeholders["annex_programme"] == ""


def test_a_clause_that_names_an_annex_not_attached_is_refused_with_its_article(db):
    convention = printable()
    convention_clauses_prepare(convention=convention)  # the agreement's own text, adjusted by hand
    article = convention.clauses.get(number="1")
    convention_clause_update(clause=article, title=article.title, body="Le programme est joint en annexe III.")
    with pytest.raises(AgreementPdfIncomplete) as refused:
        agreement_pdf_render(convention)
    [problem] = [m for m in refused.value.missing if "annexe III" in m]
    assert problem.startswith("Article 1")
    assert "renvoie à l'annexe III, qui n'est pas jointe à la convention (annexes jointes : I)" in problem


def test_the_seed_keeps_its_five_annexes_in_their_printed_order(seed_convention):
    data = agreement_data_load(seed_convention)
    assert [(a.number, a.title) for a in attached_annexes(data)] == [
        ("I", "Budget prévisionnel"), ("II", "Contributions non financières"), ("III", "Programme d'actions"),
        ("IV", "Bilan de la période précédente"), ("V", "Indicateurs à renseigner")]
