"""Self-registration of an association on the portal (issue 16 item 2): the form and its refusals,
the activation link, the staff's check of the identity, and the application that follows."""

import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Beneficiary, MemberRole, Membership
from campaigns.models import Application
from core.roles import AGENT
from registration.models import Registration
from registration.services import ActivationTokenGenerator
from tests.factories import (
    ApplicationFactory,
    BeneficiaryFactory,
    CampaignFactory,
    ConventionFactory,
    MembershipFactory,
    UserFactory,
    luhn_siret,
    staff_user,
)

pytestmark = pytest.mark.django_db

SIRET = luhn_siret(4242)
PRINTED_SIRET = f"{SIRET[:3]} {SIRET[3:6]} {SIRET[6:9]} {SIRET[9:]}"  # « 800 004 242 00013 », as printed
LINK = re.compile(r"(http://testserver/portail/inscription/activer/[^/\s]+/[^/\s]+/)")
PASSWORD = "Quai-du-port-2026!"
URL = "/portail/inscription/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()  # the registration throttle counts in the cache, shared by the whole test run
    yield
    cache.clear()


def form(**changes):
    data = {
        "name": "Les Jardins du Panier", "acronym": "JDP", "siret": PRINTED_SIRET, "rna": "W13 200 1234",
        "address": "12, rue du Panier", "postal_code": "13002", "city": "Marseille",
        "email": "contact@jardins-panier.invalid", "phone": "04 91 00 00 00",
        "representative_civility": "Mme", "representative_title": "Présidente",
        "representative_name": "Nadia BENALI",
        "first_name": "Nadia", "last_name": "BENALI", "user_email": "Nadia@Jardins-Panier.invalid",
        "password1": PASSWORD, "password2": PASSWORD, "authorised": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def text(response) -> str:
    return unescape(response.content.decode())


def counts():
    return (get_user_model().objects.count(), Beneficiary.objects.count(), Membership.objects.count(),
            Registration.objects.count())


def register(client, django_capture_on_commit_callbacks, **changes):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(URL, form(**changes))


def activation_link() -> str:
    return LINK.search(mail.outbox[-1].body).group(1)


def test_the_login_page_and_the_campaigns_list_lead_to_the_registration(client):
    assert f'href="{URL}"' in text(client.get("/portail/connexion/"))
    client.force_login(UserFactory())
    assert f'href="{URL}"' in text(client.get("/portail/candidatures/"))
    page = text(client.get(URL))
    assert "Inscrire votre association" in page and "Je certifie être habilité·e" in page


def test_a_registration_creates_an_inactive_account_the_association_and_its_president(
        client, django_capture_on_commit_callbacks):
    response = register(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response["Location"] == "/portail/inscription/envoye/"
    beneficiary = Beneficiary.objects.get(siret=SIRET)  # typed with spaces, stored as 14 digits
    assert (beneficiary.name, beneficiary.acronym, beneficiary.rna) == ("Les Jardins du Panier", "JDP", "W132001234")
    assert beneficiary.representative == "Madame Nadia BENALI" and beneficiary.postal_code == "13002"
    user = get_user_model().objects.get(email="nadia@jardins-panier.invalid")
    assert not user.is_active and user.username == "nadia@jardins-panier.invalid" and user.check_password(PASSWORD)
    membership = Membership.objects.get(user=user)
    assert membership.beneficiary == beneficiary and membership.role == MemberRole.PRESIDENT and membership.is_active
    registration = Registration.objects.get(beneficiary=beneficiary)
    assert registration.user == user and registration.activated_at is None and not registration.is_verified
    # Audited: the new member is who created each row.
    assert beneficiary.history.get().history_user == user
    assert membership.history.get().history_user == user
    assert registration.history.get().history_user == user
    # The activation email: plain French text, the absolute link, nothing escaped.
    message = mail.outbox[-1]
    assert message.to == ["nadia@jardins-panier.invalid"]
    assert "Activez votre compte" in message.subject and "Les Jardins du Panier" in message.subject
    assert "« Les Jardins du Panier »" in message.body and "valable 24 heures" in message.body
    assert "&" not in message.body and "<" not in message.body
    assert activation_link().startswith("http://testserver/portail/inscription/activer/")
    sent = text(client.get(response["Location"]))
    assert "Vérifiez votre boîte de réception" in sent and "nadia@jardins-panier.invalid" in sent
    # Not active: the login refuses it.
    assert not client.login(username="nadia@jardins-panier.invalid", password=PASSWORD)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"siret": SIRET[:-1] + str((int(SIRET[-1]) + 1) % 10)}, "siret", "clé de contrôle (Luhn)"),
    ({"siret": "1234"}, "siret", "14 chiffres attendus"),
    ({"siret": "", "rna": "W12345"}, "rna", "la lettre W suivie de 9 chiffres"),
    ({"siret": "", "rna": "X132001234"}, "rna", "la lettre W suivie de 9 chiffres"),
    ({"siret": "", "rna": ""}, "siret", "Indiquez le numéro SIRET ou le numéro RNA"),
    ({"postal_code": "1300"}, "postal_code", "5 chiffres"),
    ({"password2": "autre-chose-2026"}, "password2", "ne sont pas identiques"),
    ({"password1": "12345678", "password2": "12345678"}, "password1", "entièrement numérique"),
    ({"authorised": None}, "authorised", "seule une personne habilitée"),
    ({"name": ""}, "name", "Ce champ est obligatoire"),
    ({"user_email": "a" * 140 + "@example.invalid"}, "user_email", "au plus 150 caractères"),
], ids=["siret-luhn", "siret-length", "rna-short", "rna-letter", "no-identifier", "postal-code",
        "passwords-differ", "password-numeric", "not-authorised", "no-name", "email-too-long"])
def test_bad_input_is_refused_on_its_field_in_french_and_nothing_is_saved(
        client, django_capture_on_commit_callbacks, changes, field, message):
    before = counts()

    response = register(client, django_capture_on_commit_callbacks, **changes)

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in text(response)
    assert counts() == before and mail.outbox == []


def test_identifiers_typed_as_printed_are_accepted(client, django_capture_on_commit_callbacks):
    dotted = f"{SIRET[:3]}.{SIRET[3:6]}.{SIRET[6:9]}.{SIRET[9:]}"
    response = register(client, django_capture_on_commit_callbacks, siret=f"\u00a0{dotted} ", rna="w 132 001 234")
    assert response.status_code == 302
    beneficiary = Beneficiary.objects.get()
    assert (beneficiary.siret, beneficiary.rna) == (SIRET, "W132001234")


def test_rna_alone_is_enough(client, django_capture_on_commit_callbacks):
    assert register(client, django_capture_on_commit_callbacks, siret="").status_code == 302
    assert Beneficiary.objects.get().siret is None


@pytest.mark.parametrize("identifier", ["siret", "rna"])
def test_an_association_already_on_file_is_not_created_again(client, django_capture_on_commit_callbacks, identifier):
    BeneficiaryFactory(name="Jardins du Panier (fiche du service)", siret=SIRET, rna="W132001234")
    changes = {"rna": ""} if identifier == "siret" else {"siret": ""}
    before = counts()

    response = register(client, django_capture_on_commit_callbacks, **changes)

    assert response.status_code == 200
    page = text(response)
    assert "Cette association est déjà inscrite sur le portail" in page
    assert "L'association « Jardins du Panier (fiche du service) » est déjà inscrite avec ce numéro" in page
    assert "Demandez à l'un de ses membres" in page and "service instructeur" in page
    assert counts() == before and mail.outbox == []


def test_an_email_that_already_has_an_account_is_refused_towards_the_forgotten_password(
        client, django_capture_on_commit_callbacks):
    UserFactory(username="nadia", email="nadia@jardins-panier.invalid")
    before = counts()

    response = register(client, django_capture_on_commit_callbacks)

    page = text(response)
    assert response.status_code == 200 and "Un compte utilise déjà cette adresse électronique" in page
    assert 'href="/portail/mot-de-passe/oublie/"' in page and "mot de passe oublié" in page
    assert counts() == before and mail.outbox == []


def test_the_activation_link_works_once_logs_in_and_opens_the_applications(client, django_capture_on_commit_callbacks):
    register(client, django_capture_on_commit_callbacks)
    link = activation_link()

    confirm = client.get(link)  # a mail filter opening the link activates nothing
    assert confirm.status_code == 200 and "Activer mon compte" in text(confirm)
    assert not get_user_model().objects.get(email="nadia@jardins-panier.invalid").is_active

    response = client.post(link, follow=True)

    assert response.redirect_chain[-1][0] == "/portail/candidatures/"
    page = text(response)
    assert "Bienvenue ! Le compte de « Les Jardins du Panier » est activé." in page
    assert response.context["user"].email == "nadia@jardins-panier.invalid"
    assert response.context["beneficiary"].siret == SIRET
    registration = Registration.objects.get()
    assert registration.activated_at is not None and registration.user.is_active
    assert registration.history.first().history_user == registration.user

    client.logout()
    again = client.get(link)
    assert again.status_code == 410 and "Lien déjà utilisé" in text(again)
    assert client.post(link).status_code == 410
    assert client.login(username="nadia@jardins-panier.invalid", password=PASSWORD)


def test_an_expired_link_answers_410_and_offers_a_new_one(client, django_capture_on_commit_callbacks, monkeypatch):
    register(client, django_capture_on_commit_callbacks)
    link = activation_link()

    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)  # the token counts naive seconds
    with monkeypatch.context() as patched:
        patched.setattr(ActivationTokenGenerator, "_now", lambda self: later)
        response = client.get(link)
        assert client.post(link).status_code == 410

    assert response.status_code == 410
    page = text(response)
    assert "Lien expiré" in page and "Envoyer un nouveau lien" in page
    assert not get_user_model().objects.get(email="nadia@jardins-panier.invalid").is_active

    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post("/portail/inscription/nouveau-lien/", {"email": "NADIA@jardins-panier.invalid"})
    assert resent.status_code == 302 and len(mail.outbox) == 2
    new_link = activation_link()
    assert client.post(new_link).status_code == 302


def test_a_tampered_or_unknown_link_is_refused(client, django_capture_on_commit_callbacks):
    register(client, django_capture_on_commit_callbacks)
    link = activation_link()
    assert client.get(link[:-3] + "xx/").status_code == 410
    assert client.get("/portail/inscription/activer/OTk5OQ/abc-def/").status_code == 404
    assert client.get("/portail/inscription/activer/%F0%9F%98%80/abc/").status_code == 404
    assert not Registration.objects.get().user.is_active


def test_asking_for_a_new_link_tells_nobody_which_addresses_registered(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/portail/inscription/nouveau-lien/", {"email": "personne@nulle-part.invalid"},
                               follow=True)
    assert "Si cette adresse a inscrit une association" in text(response) and mail.outbox == []


@override_settings(REGISTRATION_THROTTLE=(2, 3600))
def test_registrations_from_one_address_are_capped(client, django_capture_on_commit_callbacks):
    for n in range(2):
        assert register(client, django_capture_on_commit_callbacks, siret=luhn_siret(5000 + n), rna="",
                        user_email=f"p{n}@example.invalid").status_code == 302
    before = counts()

    response = register(client, django_capture_on_commit_callbacks, siret=luhn_siret(5002), rna="",
                        user_email="p2@example.invalid")

    assert response.status_code == 200 and "Trop de demandes" in text(response)
    assert counts() == before


# --- Staff -------------------------------------------------------------------------------------


@pytest.fixture
def registered(client, django_capture_on_commit_callbacks):
    register(client, django_capture_on_commit_callbacks)
    client.logout()
    return Registration.objects.get()


def test_staff_see_the_association_registered_itself_and_verify_its_identity(registered, client):
    agent = staff_user("instructeur", AGENT)
    client.force_login(agent)
    beneficiary_page = text(client.get(reverse("admin:beneficiaries_beneficiary_change",
                                               args=[registered.beneficiary_id])))
    today = timezone.localdate()
    assert re.search(r"Inscrite en ligne le 1?\w* \w+ \d{4}, identité non vérifiée", beneficiary_page)
    assert str(today.year) in beneficiary_page
    changelist = reverse("admin:registration_registration_changelist")
    listing = text(client.get(changelist, {"identite": "a-verifier"}))
    assert "Les Jardins du Panier" in listing and "à vérifier" in listing
    assert "Marquer l&#x27;identité comme vérifiée" in client.get(changelist).content.decode() or \
        "Marquer l'identité comme vérifiée" in listing

    action = {"action": "mark_verified", "_selected_action": [registered.pk]}
    confirmation = client.post(changelist, action)
    assert confirmation.status_code == 200
    assert "Oui, l'identité est vérifiée" in text(confirmation) and SIRET in text(confirmation)
    registered.refresh_from_db()
    assert not registered.is_verified  # nothing before the confirmation

    done = client.post(changelist, {**action, "post": "yes"}, follow=True)

    assert "1 identité(s) marquée(s) comme vérifiée(s)" in text(done)
    registered.refresh_from_db()
    assert registered.verified_by == agent and registered.verified_at is not None
    record = registered.history.first()
    assert record.history_user == agent and record.history_change_reason == "Identité de l'association vérifiée"
    assert "Les Jardins du Panier" not in text(client.get(changelist, {"identite": "a-verifier"}))
    assert "identité vérifiée le" in text(client.get(reverse("admin:beneficiaries_beneficiary_change",
                                                             args=[registered.beneficiary_id])))


def test_finance_may_not_verify_and_a_member_of_the_association_may_not_either(registered, client):
    from core.roles import FINANCE

    client.force_login(staff_user("finances", FINANCE))
    changelist = reverse("admin:registration_registration_changelist")
    assert client.get(changelist).status_code == 403  # no permission on registrations at all
    agent = staff_user("instructeur", AGENT)
    MembershipFactory(user=agent, beneficiary=registered.beneficiary)
    client.force_login(agent)

    response = client.post(changelist, {"action": "mark_verified", "_selected_action": [registered.pk], "post": "yes"},
                           follow=True)

    assert "Vous êtes membre de l'association « Les Jardins du Panier »" in text(response)
    registered.refresh_from_db()
    assert not registered.is_verified


# --- After the registration: an application like any association's ----------------------------


def test_the_new_association_applies_to_an_open_campaign_and_sees_no_one_else(client,
                                                                            django_capture_on_commit_callbacks):
    today = timezone.localdate()
    campaign = CampaignFactory(opens_on=today - timedelta(days=5), closes_on=today + timedelta(days=20))
    other_application = ApplicationFactory(campaign=campaign)
    other_agreement = ConventionFactory()
    register(client, django_capture_on_commit_callbacks)
    client.post(activation_link())

    listing = text(client.get("/portail/candidatures/"))
    create_url = f"/portail/candidatures/nouvelle/?campagne={campaign.pk}"
    assert campaign.title in listing and create_url in listing
    form_page = text(client.get(create_url))
    assert "Les Jardins du Panier (JDP)" in form_page and SIRET in form_page and "W132001234" in form_page
    assert "Mme Nadia BENALI" in form_page  # the identity, prefilled from its record

    response = client.post(create_url, {
        "action_title": "Potager partagé", "objectives": "Ouvrir le jardin aux écoles.",
        "action_start": f"{campaign.year}-01-01", "action_end": f"{campaign.year}-12-31",
        "public": "Élèves du quartier", "place": "Marseille 2e", "requested_amount": "4 500"})

    application = Application.objects.get(action_title="Potager partagé")
    assert response.status_code == 302 and application.beneficiary.siret == SIRET
    assert str(application.requested_amount) == "4500.00"
    assert client.get(f"/portail/candidatures/{application.pk}/").status_code == 200
    # Tenant isolation: another association's application and agreement answer 404.
    others = [f"/portail/candidatures/{other_application.pk}/", f"/portail/candidatures/{other_application.pk}/budget/",
              reverse("portal_conventions:documents", args=[other_agreement.pk]),
              reverse("portal_conventions:payments", args=[other_agreement.pk])]
    assert [client.get(url).status_code for url in others] == [404, 404, 404, 404]
    # ... which their own members open.
    other_client = Client()
    other_client.force_login(MembershipFactory(beneficiary=other_application.beneficiary).user)
    assert [other_client.get(url).status_code for url in others[:2]] == [200, 200]
    other_client.force_login(MembershipFactory(beneficiary=other_agreement.beneficiary).user)
    assert [other_client.get(url).status_code for url in others[2:]] == [200, 200]


def test_the_activation_email_prints_the_name_as_typed(client, django_capture_on_commit_callbacks):
    register(client, django_capture_on_commit_callbacks, name="L'Atelier <Vélo> & Cie")
    message = mail.outbox[-1]
    assert "« L'Atelier <Vélo> & Cie »" in message.body and "L'Atelier <Vélo> & Cie" in message.subject
    assert "&#x27;" not in message.body and "&amp;" not in message.body and "&lt;" not in message.body
