"""A new association registers itself in a real browser, then applies to an open campaign.

Register (a SIRET typed as printed) → the activation email → the link's button → the
applications page, logged in → an application started in the open campaign, its identity
prefilled from the association's record.
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from campaigns.models import Application
from registration.models import Registration
from tests.factories import CampaignFactory, luhn_siret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIRET = luhn_siret(4343)


def test_a_new_association_registers_and_applies(page, live_server, assert_accessible):
    cache.clear()  # the registration throttle counts in the cache
    today = timezone.localdate()
    campaign = CampaignFactory(title="Vivre ensemble 2027", opens_on=today - timedelta(days=3),
                               closes_on=today + timedelta(days=30))

    page.goto(f"{live_server.url}/portail/connexion/")
    page.get_by_role("link", name="Inscrire votre association").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Inscrire votre association"
    assert_accessible(page, "inscription")

    page.get_by_label("Dénomination").fill("Voiles de l'Estaque")
    page.get_by_label("Numéro SIRET").fill(f"{SIRET[:3]} {SIRET[3:6]} {SIRET[6:9]} {SIRET[9:]}")
    page.get_by_label("Adresse du siège").fill("3, quai de l'Estaque")
    page.get_by_label("Code postal").fill("13016")
    page.get_by_label("Commune").fill("Marseille")
    page.get_by_label("Monsieur").check()
    page.get_by_label("Qualité du représentant légal").fill("Président")
    page.get_by_label("Nom du représentant légal").fill("Karim HADDAD")
    page.get_by_label("Prénom").fill("Karim")
    page.get_by_label("Nom", exact=True).fill("HADDAD")
    page.get_by_label("Votre adresse électronique").fill("karim@voiles-estaque.invalid")
    page.get_by_label("Mot de passe", exact=True).fill("Vent-du-large-2026")
    page.get_by_label("Confirmation du mot de passe").fill("Vent-du-large-2027")
    page.get_by_label(re.compile("Je certifie être habilité")).check()
    page.get_by_role("button", name="Inscrire l'association").click()

    # A typing error: said on its field, the rest kept.
    assert "Les deux mots de passe ne sont pas identiques." in page.locator(".error-summary").inner_text()
    assert page.get_by_label("Dénomination").input_value() == "Voiles de l'Estaque"
    assert Registration.objects.count() == 0
    assert_accessible(page, "inscription refusée")
    page.get_by_label("Mot de passe", exact=True).fill("Vent-du-large-2026")
    page.get_by_label("Confirmation du mot de passe").fill("Vent-du-large-2026")
    page.get_by_role("button", name="Inscrire l'association").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Vérifiez votre boîte de réception"
    assert "karim@voiles-estaque.invalid" in page.content()
    link = re.search(r"(http://\S+/portail/inscription/activer/\S+/\S+/)", mail.outbox[-1].body).group(1)

    page.goto(link)
    page.get_by_role("button", name="Activer mon compte").click()
    page.wait_for_url("**/portail/candidatures/")
    assert "Bienvenue ! Le compte de « Voiles de l'Estaque » est activé." in page.get_by_role("status").inner_text()
    assert_accessible(page, "candidatures après activation")

    page.get_by_role("link", name=re.compile("Déposer une candidature")).click()
    assert SIRET in page.content() and "Voiles de l'Estaque" in page.content()  # identity from its record
    page.get_by_label("Intitulé de l'action").fill("Initiation à la voile")
    page.get_by_label("Objectifs de l'action").fill("Faire naviguer 120 enfants du quartier.")
    page.get_by_label("Début de l'action").fill(f"{campaign.year}-03-01")
    page.get_by_label("Fin de l'action").fill(f"{campaign.year}-10-31")
    page.get_by_label("Public visé").fill("Enfants de 8 à 14 ans")
    page.get_by_label("Lieu de l'action").fill("Port de l'Estaque")
    page.get_by_label("Montant demandé (€)").fill("6 000")
    page.get_by_role("button", name=re.compile("Enregistrer")).click()
    page.wait_for_url(re.compile(r"/portail/candidatures/\d+/budget/"))

    application = Application.objects.get(action_title="Initiation à la voile")
    assert application.beneficiary.siret == SIRET and application.campaign == campaign
    assert str(application.requested_amount) == "6000.00"
