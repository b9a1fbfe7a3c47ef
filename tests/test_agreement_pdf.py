"""The seed agreement printed back as a PDF: its structure, its figures, its signatories."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from budgets.models import BudgetKind, BudgetLine
from conventions.clauses.texts import DEFAULT_SECTIONS
from conventions.models import Convention
from demo.demo import SEED_REFERENCE
from dossier.printing.agreement import agreement_pdf_render
from tests.pdf_helpers import pdf_pages, pdf_text, record_vote_and_signatures

ARTICLE_HEADINGS = [
    "Article 1 : Objet de la convention et objectifs généraux de l'action",
    "Article 2 : Durée de la convention",
    "Article 3 : Indépendance de l'association",
    "Article 4 : Budget prévisionnel de l'association et participation de la Métropole",
    "Article 5 : Contrôle, suivi, évaluation",
    "Article 6 : Obligations comptables – justificatifs à fournir",
    "Article 7 : Publicité – communication",
    "Article 8 : Reversement, résiliation et litiges",
    "Article 9 : Avenant",
    "Article 10 : Intangibilité des clauses",
    "Article 11 : Intuitu personae",
    "Article 12 : Recours",
    "Article 13 : Signatures",
]
ANNEX_HEADINGS = [
    "Annexe I : Budget prévisionnel",
    "Annexe II : Contributions non financières",
    "Annexe III : Programme d'actions",
    "Annexe IV : Bilan de la période précédente",
    "Annexe V : Indicateurs à renseigner",
]
TOC_ENTRIES = ["Préambule", *ARTICLE_HEADINGS, *ANNEX_HEADINGS]


@pytest.fixture(scope="module")
def seed_pdf(django_db_setup, django_db_blocker):
    """Render the seed agreement once for the module, in a transaction rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(DEBUG=True):
            call_command("seed_demo", stdout=io.StringIO())
        content = agreement_pdf_render(Convention.objects.get(reference=SEED_REFERENCE))
        transaction.set_rollback(True)
    return content


@pytest.fixture(scope="module")
def seed_pages(seed_pdf):
    return pdf_pages(seed_pdf)


def toc_page_numbers(pages: list[str]) -> dict[str, int]:
    """Return each table of contents entry with the page number printed after its leader."""
    toc = next(page for page in pages if "Table des matières" in page)
    numbers = {}
    for entry in TOC_ENTRIES:
        match = re.search(re.escape(entry) + r"[ .]*?\.{3,} ?(\d+)", toc)
        assert match, f"missing from the table of contents: {entry}"
        numbers[entry] = int(match.group(1))
    return numbers


def test_the_model_text_has_a_preamble_and_thirteen_articles():
    articles = [s.number for s in DEFAULT_SECTIONS if s.number.isdigit()]
    assert articles == [str(n) for n in range(1, 14)]
    assert DEFAULT_SECTIONS[0].number == "preambule"


def test_table_of_contents_lists_every_article_including_6_and_7_with_real_page_numbers(seed_pages):
    numbers = toc_page_numbers(seed_pages)
    assert list(numbers) == TOC_ENTRIES
    for entry, page in numbers.items():
        assert entry in seed_pages[page - 1], f"« {entry} » is not on page {page}"
    assert sorted(numbers.values()) == list(numbers.values())


def test_every_article_title_is_printed_in_order_after_the_table_of_contents(seed_pages):
    toc_index = next(i for i, page in enumerate(seed_pages) if "Table des matières" in page)
    body = " ".join(seed_pages[toc_index + 1:])
    positions = [body.index(heading) for heading in ["Préambule", *ARTICLE_HEADINGS, *ANNEX_HEADINGS]]
    assert positions == sorted(positions)
    for sub in ("4.1 Budget prévisionnel", "4.2 Participation de la Métropole", "4.3 Modalités de versement",
                "5.4 Renouvellement", "6.2 Justificatifs à fournir", "6.3 Autres engagements"):
        assert sub in body


def test_parties_are_printed_from_one_record_each(seed_pdf):
    text = pdf_text(seed_pdf)
    assert "Métropole Aix-Marseille-Provence, 58, boulevard Charles Livon, 13007 Marseille" in text
    assert "Pôle Solutions Communicantes Sécurisées (Pôle SCS)" in text
    assert "représentée par son Président, Monsieur Fabien ALLI" in text
    assert "Rousset" in text and "ROUSSAS" not in text.upper()


def test_amount_and_share_are_computed_never_the_seeds_wrong_percentage(seed_pdf):
    text = pdf_text(seed_pdf)
    assert "participe à hauteur de 66 000 €, soit 6,92 % du budget prévisionnel global" in text
    assert "hors contributions volontaires en nature (ou 5,67 % contributions volontaires en nature comprises)" in text
    assert "5,7" not in text and "5.7" not in text
    assert "dépenses éligibles" in text and "s'élèvent à 954 123 €" in text
    assert "1.163.53" not in text and "1 163,53" not in text


def test_advance_cap_and_deadlines_are_filled_from_data(seed_pdf):
    text = pdf_text(seed_pdf)
    assert "un acompte d'au plus 80 % de la subvention votée, soit 52 800 € au maximum" in text
    assert "se clôt le 31 décembre 2023" in text
    assert "soit au plus tard le 30 juin 2024" in text
    assert "délibération n° FBPA 029-8299/20/CM du 31 juillet 2020" in text
    assert "Tribunal administratif de Marseille, 31, rue Jean-François Leca, 13235 Marseille Cedex 02" in text


def test_annex_one_shows_computed_totals_and_chapter_subtotals_never_the_printed_ones(seed_pdf):
    text = pdf_text(seed_pdf)
    assert "Total des charges 954 123 €" in text
    assert "Total des produits 953 330 €" in text
    assert "953 530" not in text  # the total the seed printed on both sides
    assert "64 – Charges de personnel 686 416 €" in text
    assert "62 – Autres services extérieurs 196 024 €" in text
    assert "74 – Subventions d'exploitation 519 993 €" in text
    assert "Total des emplois (86) 210 000 €" in text and "Total des contributions (87) 210 000 €" in text
    assert "Total général des charges 1 164 123 €" in text and "Total général des produits 1 163 330 €" in text
    assert "diffèrent de 793 €" in text


def test_annexes_two_to_five_hold_the_agreements_data(seed_pdf):
    text = pdf_text(seed_pdf)
    assert "Bénévolat des membres, valorisé à 190 000 €." in text
    assert "Annexe III : Programme d'actions 2023" in text and "V. Emploi et formation" in text
    assert "Période 2019-2022" in text and "Effectifs cumulés 110 000 salariés" in text
    assert "Fonds levés par les startups et PME membres 30 000 000 €" in text
    assert "Annexe V : Indicateurs à renseigner pour l'année 2023" in text
    assert "Entreprises adhérentes par effectif salarié" in text and "plus de 500 salariés" in text
    assert "ventilé femmes / hommes" in text


def test_both_signatories_sign_with_their_titles(seed_pdf):
    text = pdf_text(seed_pdf)
    assert "Fait à Marseille." in text
    assert "Pour l'association" in text and "Le Président" in text and "Fabien ALLI" in text
    assert "Pour la Métropole" in text and "La Présidente" in text and "Martine VASSAL" in text
    assert "AILLI" not in text


def test_the_adjusted_article_7_of_the_seed_is_the_one_printed(seed_pdf):
    assert "iCapital 2023" in pdf_text(seed_pdf)


def test_every_page_has_its_number_out_of_the_total_and_the_reference(seed_pages):
    total = len(seed_pages)
    for number, page in enumerate(seed_pages, start=1):
        assert f"page {number} / {total}" in page
        assert "Convention AMP-2023-DEVECO-SCS" in page


def test_a_preview_before_the_vote_is_marked_as_a_draft(seed_pages):
    assert all("PROJET" in page for page in seed_pages)
    # The seed knows the body (Bureau), not yet the number nor the date: blanks to fill, as it printed.
    assert "par la délibération n° ……… du Bureau de la Métropole du ………," in seed_pages[0]


def test_the_final_print_has_the_deliberation_and_dates_and_no_draft_mark(seed_convention):
    convention = record_vote_and_signatures(seed_convention)
    text = pdf_text(agreement_pdf_render(convention, final=True))
    assert "PROJET" not in text
    assert "par la délibération n° DEVT 012-3456/23/BM du Bureau de la Métropole du 16 mars 2023" in text
    assert "le 24 mars 2023" in text and "le 3 avril 2023" in text


def test_rendering_takes_the_same_number_of_queries_whatever_the_number_of_budget_lines(seed_convention):
    with CaptureQueriesContext(connection) as before:
        agreement_pdf_render(seed_convention)
    budget = seed_convention.budgets.get(kind=BudgetKind.FORECAST)
    BudgetLine.objects.bulk_create(
        BudgetLine(budget=budget, code="606", label=f"Fourniture {i}", amount=Decimal("10"), position=5000 + i)
        for i in range(40)
    )
    with CaptureQueriesContext(connection) as after:
        content = agreement_pdf_render(seed_convention)
    assert len(after.captured_queries) == len(before.captured_queries) == 10
    assert "Fourniture 39" in pdf_text(content)


def test_the_funders_uploaded_logo_is_printed_on_the_cover(seed_convention):
    from PIL import Image

    image = io.BytesIO()
    Image.new("RGB", (120, 40), "#0b5394").save(image, "PNG")
    funder = seed_convention.funder
    funder.logo.save("logo-test.png", ContentFile(image.getvalue()))
    try:
        reader = PdfReader(io.BytesIO(agreement_pdf_render(seed_convention)))
        assert len(reader.pages[0].images) == 1
    finally:
        funder.logo.delete(save=False)


def test_without_a_logo_the_cover_has_no_image(seed_pdf):
    assert len(PdfReader(io.BytesIO(seed_pdf)).pages[0].images) == 0


def test_rendering_pauses_the_garbage_collector_and_restores_it():
    import gc

    from core import pdf

    assert gc.isenabled()
    with pdf._garbage_collector_paused():
        assert not gc.isenabled()
        with pdf._garbage_collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), pdf._garbage_collector_paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()
