"""The letters a vote produces greet the named representative with their civility and title, keep each
guillemet with its word, and a deliberation names its session in the French long date."""

from datetime import date

import pytest
from django.template.loader import render_to_string

from beneficiaries.models import Civility
from core.roles import AGENT
from deliberations.letters import letter_context, letters_pdf, letters_queryset
from deliberations.models import Letter, LetterKind
from tests.factories import BeneficiaryFactory, DeliberationFactory, staff_user
from tests.pdf_helpers import pdf_text
from tests.test_deliberations import make_batch, vote

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("civility", "title", "expected"), [
    (Civility.MRS, "Présidente", "Madame la Présidente"),
    (Civility.MR, "Président", "Monsieur le Président"),
    (Civility.MR, "directeur général", "Monsieur le Directeur général"),
    (Civility.MRS, "Administratrice", "Madame l'Administratrice"),
    (Civility.MRS, "", "Madame"),
    ("", "Président", "Madame, Monsieur"),
])
def test_the_representative_is_greeted_with_civility_and_title_else_madame_monsieur(civility, title, expected):
    beneficiary = BeneficiaryFactory.build(representative_civility=civility, representative_title=title)
    assert beneficiary.salutation == expected


@pytest.fixture
def voted_batch():
    agent = staff_user("agent_lettres", AGENT)
    batch = make_batch(agent)
    jardins = batch["jardins"]
    jardins.representative_civility, jardins.representative_title = Civility.MR, "Président"
    jardins.representative_name = "Paul MARTIN"
    jardins.save()
    vote(batch, agent)
    return batch


def test_the_notification_letter_greets_the_named_president_and_closes_the_same_way(voted_batch):
    letter = letters_queryset(Letter.objects.filter(kind=LetterKind.NOTIFICATION)).get()
    text = pdf_text(letters_pdf([letter]))
    assert "Monsieur Paul MARTIN Président Les Jardins partagés de l'Huveaune" in text
    assert "Monsieur le Président, Par la délibération n° CS 001-27/BM" in text
    assert "Nous vous prions d'agréer, Monsieur le Président, l'expression de nos salutations distinguées." in text
    assert "Madame, Monsieur" not in text


def test_a_letter_keeps_each_guillemet_with_its_word(voted_batch):
    letter = letters_queryset(Letter.objects.filter(kind=LetterKind.NOTIFICATION)).get()
    html = render_to_string("deliberations/pdf/letters.html", {"letters": [letter_context(letter)]})
    assert "l'action «\u00a0Jardins pédagogiques\u00a0»" in html
    assert "« " not in html and " »" not in html


def test_a_deliberation_names_its_session_in_the_french_long_date():
    assert str(DeliberationFactory(number="CS 001-27/BM", session_date=date(2026, 11, 26))) == (
        "Bureau n° CS 001-27/BM du 26 novembre 2026")
    assert str(DeliberationFactory(number="", session_date=date(2027, 3, 1))) == "Bureau n° sans numéro du 1er mars 2027"
