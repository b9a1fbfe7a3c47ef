"""Per-agreement parties: who signs for each side and as what, the document's own title and number."""

import pytest
from django.core.exceptions import ValidationError

from conventions.parties import beneficiary_signatory, funder_signatory
from conventions.services import convention_upsert, funder_upsert
from dossier.printing.agreement import agreement_pdf_render
from tests.pdf_helpers import clean_private_files, pdf_pages, pdf_text, sign_and_freeze  # noqa: F401

DELEGATE = dict(funder_signatory="Didier KHELFA",
                funder_signatory_title="Le Vice-Président délégué au développement économique",
                funder_signatory_delegation="arrêté n° 22/145/CM du 3 mars 2022")


def signature_page(pages: list[str]) -> str:
    return next(page for page in pages if "Fait à Marseille" in page)


def test_header_and_signature_block_name_the_same_funder_signatory(seed_convention):
    convention = convention_upsert(reference=seed_convention.reference, funder_signatory="Didier KHELFA")
    pages = pdf_pages(agreement_pdf_render(convention))
    assert "représenté par sa Présidente en exercice, Didier KHELFA, qui a reçu pouvoir de signer" in pages[0]
    assert "Didier KHELFA" in signature_page(pages)
    assert "VASSAL" not in " ".join(pages)


def test_a_delegated_signatory_is_printed_with_its_title_and_delegation_in_both_places(seed_convention):
    convention = convention_upsert(reference=seed_convention.reference, **DELEGATE)
    pages = pdf_pages(agreement_pdf_render(convention))
    assert ("représenté par son Vice-Président délégué au développement économique, Didier KHELFA, agissant par "
            "délégation de la Présidente (arrêté n° 22/145/CM du 3 mars 2022), qui a reçu pouvoir de signer") in pages[0]
    assert ("Pour la Métropole le Pour la Présidente et par délégation, Le Vice-Président délégué au développement "
            "économique Didier KHELFA") in signature_page(pages)
    assert "VASSAL" not in " ".join(pages)


def test_the_associations_own_signatory_is_named_in_the_header_and_the_block(seed_convention):
    convention = convention_upsert(reference=seed_convention.reference, beneficiary_signatory="Jeanne ROUX",
                                   beneficiary_signatory_title="La Trésorière")
    pages = pdf_pages(agreement_pdf_render(convention))
    assert "représentée par sa Trésorière, Jeanne ROUX," in pages[0]
    assert "Pour l'association le La Trésorière Jeanne ROUX" in signature_page(pages)
    assert "ALLI" not in pages[0] + signature_page(pages)  # annex I keeps who certified the budget


def test_the_documents_own_title_and_number_are_printed(seed_convention):
    convention = convention_upsert(reference=seed_convention.reference,
                                   document_title="Convention attributive de subvention", document_number="GU-2023-00145")
    pages = pdf_pages(agreement_pdf_render(convention))
    assert pages[0].startswith("PROJET") and "CONVENTION ATTRIBUTIVE DE SUBVENTION Dossier n° GU-2023-00145" in pages[0]
    assert "CONVENTION ANNUELLE D'OBJECTIFS" not in pages[0]


def test_empty_fields_fall_back_on_each_partys_representative(seed_convention):
    funder, association = funder_signatory(seed_convention), beneficiary_signatory(seed_convention)
    assert (funder.name, funder.title, funder.represented_by()) == (
        "Martine VASSAL", "La Présidente", "sa Présidente en exercice, Martine VASSAL")
    assert (association.name, association.title, association.represented_by()) == (
        "Fabien ALLI", "Le Président", "son Président, Monsieur Fabien ALLI")


@pytest.mark.usefixtures("clean_private_files")
def test_the_signature_records_the_titles_signed_under_and_freezes_them(seed_convention):
    convention = sign_and_freeze(seed_convention)
    assert (convention.funder_signatory_title, convention.beneficiary_signatory_title) == ("La Présidente", "Le Président")
    assert convention.history.first().funder_signatory_title == "La Présidente"
    # A new representative of the funder does not rewrite who signed this agreement, and as what.
    funder_upsert(siret=convention.funder.siret, representative_title="Le Président",
                  representative_name="Renaud MUSELIER")
    convention.refresh_from_db()
    assert (funder_signatory(convention).name, funder_signatory(convention).title) == ("Martine VASSAL", "La Présidente")
    with pytest.raises(ValidationError, match="La convention est signée"):
        convention_upsert(reference=convention.reference, funder_signatory_delegation="arrêté n° 1")
    assert "Martine VASSAL" in pdf_text(convention.signed_pdf.open("rb").read())


def test_a_signatory_title_without_its_article_is_refused_with_the_reason(seed_convention):
    """« Présidente » alone printed « représentée par son Présidente » in the frozen PDF: the article is asked."""
    seed_convention.beneficiary_signatory, seed_convention.beneficiary_signatory_title = "Inès BERNARD", "Présidente"
    seed_convention.funder_signatory_title = "Présidente de la Métropole"
    with pytest.raises(ValidationError) as refused:
        seed_convention.full_clean()
    assert set(refused.value.message_dict) == {"beneficiary_signatory_title", "funder_signatory_title"}
    assert "avec son article" in refused.value.message_dict["beneficiary_signatory_title"][0]
    convention = convention_upsert(reference=seed_convention.reference, beneficiary_signatory="Inès BERNARD",
                                   beneficiary_signatory_title="La Présidente")
    pages = pdf_pages(agreement_pdf_render(convention))
    assert "représentée par sa Présidente, Inès BERNARD," in pages[0]
