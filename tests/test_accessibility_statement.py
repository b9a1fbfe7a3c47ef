"""The accessibility statement (« Déclaration d'accessibilité », RGAA 4.1): public, complete,
honest about its status, and linked from every footer (portal, staff admin, error pages)."""

import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from dossier import accessibility
from tests.factories import FunderFactory, MembershipFactory, UserFactory

URL = "/portail/accessibilite/"
NBSP = "\u00a0"


def text_of(response) -> str:
    """The page's words, tags removed, spaces (no-break ones too) made plain."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)).replace(NBSP, " "))


def footer_link(response) -> str | None:
    """The footer's link to the statement (its text), or None."""
    footer = re.search(r"<footer\b.*?</footer>", response.content.decode(), re.S)
    if footer is None:
        return None
    link = re.search(rf'<a href="{re.escape(URL)}">([^<]+)</a>', footer.group(0))
    return link.group(1).replace(NBSP, " ") if link else None


@pytest.mark.django_db
def test_the_statement_is_public_and_says_what_rgaa_asks(client):
    FunderFactory(email="subventions@metropole.invalid")
    assert reverse("portal:accessibility") == URL
    response = client.get(URL)
    assert response.status_code == 200
    text = text_of(response)
    assert "Déclaration d'accessibilité" in text
    # Status, with RGAA's own words, and the law it answers.
    assert ("Le service Conventions d'objectifs est partiellement conforme avec le référentiel général "
            "d'amélioration de l'accessibilité (RGAA), version 4.1") in text
    assert "Métropole Aix-Marseille-Provence s'engage" in text and "loi n° 2005-102" in text
    # Date, tool and result of the tests; the sample of pages audited.
    assert "Cette déclaration a été établie le 1er décembre 2026." in text
    assert "axe-core" in text and "aucune erreur grave ni critique" in text
    for page in ("Connexion au portail des associations", "Budget prévisionnel (formulaire de saisie)",
                 "Justificatifs (dépôt d'un document)", "Déclaration d'accessibilité"):
        assert page in accessibility.AUDITED_PAGES and page in text
    for item in accessibility.NON_CONFORMITIES + accessibility.NOT_SUBJECT:
        assert item.replace(NBSP, " ") in text
    assert "critère 13.3" in text  # the PDFs produced are not tagged
    # The alternative: the service's contact, from the funder.
    assert "Retour d'information et contact" in text
    assert 'href="mailto:subventions@metropole.invalid"' in response.content.decode()
    assert "par courrier : Métropole Aix-Marseille-Provence, 58, boulevard Charles Livon, 13007 Marseille" in text
    # Recourse, the standard wording: the form, the delegate, the free postal address.
    assert "Voies de recours" in text
    assert 'href="https://formulaire.defenseurdesdroits.fr/"' in response.content.decode()
    assert "délégué du Défenseur des droits dans votre région" in text
    assert "Défenseur des droits Libre réponse 71120 75342 Paris CEDEX 07" in text
    assert "ne pas mettre de timbre" in text


@pytest.mark.django_db
def test_before_any_funder_the_statement_names_the_collectivity(client):
    text = text_of(client.get(URL))
    assert "la collectivité s'engage" in text
    assert "par courriel" not in text and "par courrier :" not in text


@pytest.mark.django_db
def test_the_statement_uses_french_no_break_spaces(client):
    html = client.get(URL).content.decode()
    main = html.split('<main', 1)[1]
    assert re.findall(r"[^\u00a0{%] [:;»]|« ", main) == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["portail/connexion/", "portail/inscription/", "portail/mot-de-passe/oublie/", URL])
def test_every_public_portal_page_links_the_statement_from_its_footer(client, path):
    response = client.get("/" + path.lstrip("/"))
    assert response.status_code == 200
    assert footer_link(response) == "Accessibilité : partiellement conforme"


@pytest.mark.django_db
def test_a_member_page_links_the_statement_from_its_footer(client):
    member = MembershipFactory().user
    client.force_login(member)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert footer_link(response) == "Accessibilité : partiellement conforme"


@pytest.mark.django_db
def test_the_staff_admin_footer_links_the_statement():
    client = Client()
    assert footer_link(client.get(reverse("admin:login"))) == "Accessibilité : partiellement conforme"
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in (reverse("admin:index"), reverse("admin:conventions_convention_changelist"),
                reverse("admin:conventions_convention_add")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert footer_link(response) == "Accessibilité : partiellement conforme", url


@pytest.mark.django_db
def test_the_error_pages_link_the_statement_from_their_footer(client):
    response = client.get("/portail/conventions/999999/")
    assert response.status_code == 302  # anonymous: the login page first
    client.force_login(MembershipFactory().user)
    response = client.get("/portail/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in text_of(response)
    assert footer_link(response) == "Accessibilité : partiellement conforme"


def test_the_server_error_page_links_the_statement_by_hand():
    """500.html has no context: its link and status are written out, and must match the statement's."""
    html = (Path(settings.BASE_DIR) / "templates" / "500.html").read_text()
    assert f'<a href="{URL}">Accessibilité{NBSP}: {accessibility.CONFORMITY}</a>' in html
