"""The staff header's « Rechercher » box: each kind found, accents and case ignored, SIRET typed
with spaces, only what the user may view, bounded groups, a fixed number of queries.

Runs on SQLite (``search_fold``) and on PostgreSQL (``unaccent``, full-text) alike."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.roles import AGENT
from documents.models import DocumentKind
from search.engine import GROUP_LIMIT
from search.text import fold
from tests.factories import (
    ApplicationFactory,
    BeneficiaryFactory,
    ConventionFactory,
    DeliberationFactory,
    DocumentFactory,
    UserFactory,
    staff_user,
)

URL = reverse("staff_search:results")


@pytest.fixture
def agent(db):
    return staff_user("agent-recherche", AGENT)


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def results(client, query):
    response = client.get(URL, {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def test_fold_removes_accents_and_case():
    assert fold("Pôle SOCIÉTÉ Œuvre") == "pole societe oeuvre"


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["societe", "SOCIÉTÉ", "Société", "soCIete"])
def test_association_name_found_whatever_the_accents_and_case(agent_client, query):
    BeneficiaryFactory(name="Société nautique de l'Estaque")
    BeneficiaryFactory(name="Club de voile")
    page = results(agent_client, query)
    assert "Société nautique de l&#x27;Estaque" in page
    assert "Club de voile" not in page
    assert "Associations (1)" in page


@pytest.mark.django_db
def test_capitals_without_accent_find_the_accented_word(agent_client):
    BeneficiaryFactory(name="Pôle d'animation des quartiers", acronym="PAQ")
    assert "Pôle d&#x27;animation des quartiers (PAQ)" in results(agent_client, "POLE")
    assert "Pôle d&#x27;animation des quartiers (PAQ)" in results(agent_client, "paq")


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["812 345 678 00013", "81234567800013", "812 345 678", "812.345.678"])
def test_siret_typed_with_or_without_spaces(agent_client, typed):
    BeneficiaryFactory(name="Les Amis du Vieux Port", siret="81234567800013")
    BeneficiaryFactory(name="Autre association")
    page = results(agent_client, typed)
    assert "Les Amis du Vieux Port" in page
    assert "Autre association" not in page


@pytest.mark.django_db
def test_rna_found_in_lower_case(agent_client):
    BeneficiaryFactory(name="Théâtre du Panier", rna="W133001234")
    assert "Théâtre du Panier" in results(agent_client, "w133001234")


@pytest.mark.django_db
def test_agreement_by_reference_and_title(agent_client):
    convention = ConventionFactory(reference="AMP-2027-CULT-007", title="Saison théâtrale du Panier")
    change = reverse("admin:conventions_convention_change", args=[convention.pk])
    for query in ("cult-007", "theatrale"):
        page = results(agent_client, query)
        assert "Conventions (1)" in page
        assert change in page


@pytest.mark.django_db
def test_deliberation_by_number_and_subject(agent_client):
    deliberation = DeliberationFactory(number="CS 042-27/BM", subject="Subventions à l'économie sociale")
    change = reverse("admin:deliberations_deliberation_change", args=[deliberation.pk])
    for query in ("042-27", "economie sociale"):
        page = results(agent_client, query)
        assert "Délibérations (1)" in page
        assert change in page


@pytest.mark.django_db
def test_document_by_kind_and_file_name_with_its_agreement(agent_client):
    convention = ConventionFactory(reference="AMP-2027-SPORT-003")
    DocumentFactory(convention=convention, kind=DocumentKind.INSURANCE, file="documents/attestation-MAIF.pdf")
    label = DocumentKind.INSURANCE.label
    for query in (fold(label)[:8].upper(), "maif"):
        page = results(agent_client, query)
        assert "Justificatifs (1)" in page
        assert "attestation-MAIF.pdf" in page
        agreement_url = reverse("admin:conventions_convention_change", args=[convention.pk])
        assert f'convention <a href="{agreement_url}">AMP-2027-SPORT-003</a>' in page


@pytest.mark.django_db
def test_application_by_action_title(agent_client):
    ApplicationFactory(action_title="Écrivains publics en bibliothèque")
    page = results(agent_client, "ecrivains")
    assert "Candidatures (1)" in page
    assert "Écrivains publics en bibliothèque" in page


@pytest.mark.django_db
def test_only_the_kinds_the_user_may_view(client):
    BeneficiaryFactory(name="Maison des Solidarités")
    ConventionFactory(reference="AMP-2027-SOLID-001", title="Maison des Solidarités : accueil")
    user = UserFactory(username="lecteur", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_beneficiary"))
    client.force_login(user)
    page = results(client, "solidarites")
    assert "Associations (1)" in page
    assert "AMP-2027-SOLID-001" not in page
    assert "Conventions (" not in page


@pytest.mark.django_db
def test_refused_to_anonymous_and_to_non_staff(client):
    assert client.get(URL, {"q": "societe"}).status_code == 302  # the admin's login page
    client.force_login(UserFactory(username="membre", is_staff=False))
    assert client.get(URL, {"q": "societe"}).status_code == 302


@pytest.mark.django_db
def test_groups_are_bounded_and_link_to_the_filtered_list(agent_client):
    for n in range(GROUP_LIMIT + 3):
        BeneficiaryFactory(name=f"Comité de quartier {n:02d}")
    page = results(agent_client, "comite")
    assert f"Associations ({GROUP_LIMIT + 3})" in page
    assert page.count("Comité de quartier") == GROUP_LIMIT
    assert "3 autres résultats dans la liste" in page
    assert reverse("admin:beneficiaries_beneficiary_changelist") + "?q=comite" in page


@pytest.mark.django_db
def test_fixed_number_of_queries(agent_client, django_assert_max_num_queries):
    def rows(start, stop):
        for n in range(start, stop):
            convention = ConventionFactory(reference=f"AMP-2027-QUARTIER-{n:03d}", title="Quartier",
                                           beneficiary=BeneficiaryFactory(name=f"Quartier {n}"))
            DocumentFactory(convention=convention, file=f"documents/quartier-{n}.pdf")
            DeliberationFactory(subject=f"Quartier {n}")
            ApplicationFactory(action_title=f"Quartier {n}")

    rows(0, 2)
    agent_client.get(URL, {"q": "quartier"})  # the session and permission caches warmed
    with django_assert_max_num_queries(16) as few:
        agent_client.get(URL, {"q": "quartier"})
    rows(2, GROUP_LIMIT + 5)
    # Five full groups: one count each, whatever the number of rows.
    with django_assert_max_num_queries(len(few.captured_queries) + 5):
        page = results(agent_client, "quartier")
    assert page.count("5 autres résultats dans la liste") == 5


@pytest.mark.django_db
def test_empty_state_and_minimum_length(agent_client):
    assert "Aucun résultat pour « zzzz introuvable »" in results(agent_client, "zzzz introuvable")
    page = results(agent_client, "a")
    assert "Saisissez au moins 2 caractères pour lancer la recherche." in page
    assert "Aucun résultat" not in page


@pytest.mark.django_db
def test_header_has_the_search_box_on_every_admin_page(agent_client):
    page = agent_client.get(reverse("admin:index")).content.decode()
    assert f'action="{URL}"' in page
    assert ">Rechercher</button>" in page
