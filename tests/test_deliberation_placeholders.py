"""The deliberation before the session: placeholders and partial dates in draft, blanks on paper, refused at the vote."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from budgets.services import budget_validate
from conventions.deliberation import deliberation_text, number_is_placeholder
from conventions.models import DeliberationBody, Status
from conventions.services import convention_upsert
from core.roles import AGENT
from dossier.actions import convention_vote
from dossier.printing.agreement import agreement_pdf_missing, agreement_pdf_render
from dossier.requirements import blocking_reasons
from tests.factories import ConventionFactory, staff_user
from tests.pdf_helpers import pdf_pages
from tests.test_requirements import in_review


@pytest.fixture
def agent(db):
    return staff_user("agent-deliberation", AGENT)


@pytest.fixture
def ready_to_vote(agent):
    """An agreement in review whose every vote requirement is met but the deliberation."""
    convention, budget = in_review(agent)
    budget_validate(budget=budget, user=agent)
    assert blocking_reasons(convention, "vote") == []
    return convention


@pytest.mark.parametrize("number", ["", "   ", "2020/....", "DEVT 012-…/23/BM", "à compléter", "A COMPLETER",
                                    "____", "n°", "n° ...", "XXX/23/BM", "?", "numéro provisoire", "-/-"])
def test_a_placeholder_number_is_told_from_a_real_one(number):
    assert number_is_placeholder(number)


@pytest.mark.parametrize("number", ["DEVT 012-3456/23/BM", "FBPA 029-8299/20/CM", "D-1", "2023-145", "n° 23/0145"])
def test_a_real_number_is_not_a_placeholder(number):
    assert not number_is_placeholder(number)


def test_the_vote_is_refused_on_a_placeholder_number_saying_so(ready_to_vote, agent):
    ready_to_vote.deliberation_number = "2020/...."
    ready_to_vote.save()
    with pytest.raises(ValidationError) as refused:
        convention_vote(convention=ready_to_vote, user=agent)
    assert refused.value.messages == [
        "Le vote suppose la délibération complète ; il manque le numéro (« 2020/.... » n'est qu'un numéro provisoire)."]
    ready_to_vote.refresh_from_db()
    assert ready_to_vote.status == Status.IN_REVIEW
    assert not ready_to_vote.status_changes.filter(to_status=Status.VOTED).exists()


def test_the_vote_is_refused_on_a_partial_date_naming_what_is_known(ready_to_vote, agent):
    convention = convention_upsert(reference=ready_to_vote.reference, deliberation_date=None,
                                   deliberation_year=2025, deliberation_month=3)
    with pytest.raises(ValidationError, match=r"il manque le jour de la date \(seuls le mois et l'année sont "
                                              r"connus : mars 2025\)"):
        convention_vote(convention=convention, user=agent)
    convention = convention_upsert(reference=convention.reference, deliberation_month=None)
    with pytest.raises(ValidationError, match=r"il manque le jour et le mois de la date \(seule l'année est "
                                              r"connue : 2025\)"):
        convention_vote(convention=convention, user=agent)
    convention.refresh_from_db()
    assert convention.status == Status.IN_REVIEW


def test_an_incomplete_deliberation_cannot_be_waived_at_the_vote(ready_to_vote, agent):
    ready_to_vote.deliberation_number = "à compléter"
    ready_to_vote.save()
    with pytest.raises(ValidationError, match="ne peut pas faire l'objet d'une dérogation"):
        convention_vote(convention=ready_to_vote, user=agent, waive=["deliberation_complete"],
                        waiver_reason="Numéro attendu du secrétariat des assemblées")
    ready_to_vote.refresh_from_db()
    assert ready_to_vote.status == Status.IN_REVIEW and not ready_to_vote.requirement_waivers.exists()


def test_the_vote_passes_once_the_real_number_and_date_replace_the_placeholders(ready_to_vote, agent):
    convention = convention_upsert(reference=ready_to_vote.reference, deliberation_number="2025/....",
                                   deliberation_date=None, deliberation_year=2025, deliberation_month=3)
    convention = convention_upsert(reference=convention.reference, deliberation_number="DEV 001-2/25/BM",
                                   deliberation_date=date(2025, 3, 20), deliberation_month=3)
    assert (convention.deliberation_year, convention.deliberation_month) == (None, None)  # the date says it all
    assert convention_vote(convention=convention, user=agent).status == Status.VOTED


def test_a_voted_agreement_keeps_a_complete_deliberation(ready_to_vote, agent):
    convention_vote(convention=ready_to_vote, user=agent)
    with pytest.raises(ValidationError, match="La convention est votée : sa délibération reste complète ; il manque "
                                              "le numéro"):
        convention_upsert(reference=ready_to_vote.reference, deliberation_number="2025/....")
    ready_to_vote.refresh_from_db()
    assert ready_to_vote.deliberation_number == "DEV 001-2/25/BM"


def test_a_partial_date_is_stored_in_draft_and_checked(db):
    convention = ConventionFactory(deliberation_body=DeliberationBody.COUNCIL)
    with pytest.raises(ValidationError) as error:
        convention_upsert(reference=convention.reference, deliberation_month=6)
    assert error.value.message_dict == {"deliberation_year": ["Indiquez l'année de la délibération avec son mois."]}
    with pytest.raises(ValidationError, match="ne correspondent pas à la date de la délibération"):
        convention_upsert(reference=convention.reference, deliberation_date=date(2025, 6, 26),
                          deliberation_year=2025, deliberation_month=7)
    convention = convention_upsert(reference=convention.reference, deliberation_number="2025/....",
                                   deliberation_year=2025, deliberation_month=6)
    convention.refresh_from_db()
    assert (convention.deliberation_number, convention.deliberation_year, convention.deliberation_month) == (
        "2025/....", 2025, 6)
    assert convention.history.first().deliberation_month == 6  # audited
    assert deliberation_text(convention) == "la délibération n° ……… du Conseil de la Métropole du ……… juin 2025"


def test_a_deliberation_prints_whatever_is_known(db):
    convention = ConventionFactory(deliberation_date=date(2023, 3, 16))
    assert deliberation_text(convention) == "la délibération n° ……… du ……… de la Métropole du 16 mars 2023"
    convention.deliberation_body, convention.deliberation_number = DeliberationBody.BUREAU, "DEVT 012-3456/23/BM"
    assert deliberation_text(convention) == (
        "la délibération n° DEVT 012-3456/23/BM du Bureau de la Métropole du 16 mars 2023")


def test_the_draft_pdf_prints_blanks_to_fill_and_the_vote_print_refuses_placeholders(seed_convention):
    convention = convention_upsert(reference=seed_convention.reference, deliberation_number="2023/....",
                                   deliberation_year=2023, deliberation_month=3)
    first_page = pdf_pages(agreement_pdf_render(convention))[0]
    assert ("qui a reçu pouvoir de signer la présente convention par la délibération n° ……… du Bureau de la "
            "Métropole du ……… mars 2023," in first_page)
    assert "2023/...." not in first_page and "[délibération à compléter" not in first_page
    missing = agreement_pdf_missing(convention, final=True)
    assert ("La délibération (instance, numéro et date) n'est pas complète (il manque le numéro (« 2023/.... » "
            "n'est qu'un numéro provisoire), le jour de la date (seuls le mois et l'année sont connus : mars 2023)) : "
            "elle est nécessaire pour imprimer la convention votée.") in missing


def test_the_admin_shows_what_the_deliberation_lacks(client, agent, ready_to_vote):
    convention = convention_upsert(reference=ready_to_vote.reference, deliberation_number="2025/....",
                                   deliberation_date=None, deliberation_year=2025)
    client.force_login(agent)
    page = client.get(reverse("admin:conventions_convention_change", args=[convention.pk])).content.decode()
    assert "Incomplète : il manque le numéro (« 2025/.... » n&#x27;est qu&#x27;un numéro provisoire)" in page
    assert "Enregistrer le vote</span> — <em>Le vote suppose la délibération complète" in page
