"""Accessibility of the portal pages of the access, home and documents features, in a real
browser: axe-core finds no serious or critical violation, at desktop width and at 375 px;
the keyboard reaches the content and the forms; errors are announced and tied to fields."""

import re
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from beneficiaries.models import MemberRole
from beneficiaries.services import invitation_create
from conventions.models import Status
from documents.models import DocumentKind, DocumentStatus
from documents.services import document_reject, document_upload
from tests.factories import (
    BeneficiaryFactory,
    ConventionFactory,
    DocumentFactory,
    MembershipFactory,
    UserFactory,
)
from tests.samples import image_bytes, pdf_bytes, upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 375]


@pytest.fixture
def association():
    """An association with an agreement whose documents are in every state, and its member."""
    convention = ConventionFactory(beneficiary=BeneficiaryFactory(name="Les Amis du Canal", acronym="ADC"),
                                   reference="AMP-2025-CANAL", status=Status.ACTIVE)
    DocumentFactory(convention=convention, kind=DocumentKind.INSURANCE, due_on=date(2025, 3, 31))
    DocumentFactory(convention=convention, kind=DocumentKind.STATUTES, due_on=None, status=DocumentStatus.ACCEPTED)
    received = DocumentFactory(convention=convention, kind=DocumentKind.ACTIVITY_REPORT, due_on=date(2099, 6, 30))
    document_upload(document=received, uploaded=upload("rapport.pdf", pdf_bytes()))
    rejected = DocumentFactory(convention=convention, kind=DocumentKind.LOGO_PROOF, due_on=date(2099, 6, 30))
    document_upload(document=rejected, uploaded=upload("logo.png", image_bytes()))
    document_reject(document=rejected, reason="Le logo n'apparaît pas sur l'affiche.")
    member = MembershipFactory(beneficiary=convention.beneficiary, role=MemberRole.TREASURER,
                               user=UserFactory(username="tresorier", first_name="Inès", last_name="PETIT")).user
    return convention, member


def check_both_widths(page, assert_accessible, label):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page, f"{label} à {width} px")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{label}: the page scrolls sideways at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_public_pages_are_accessible(page, live_server, assert_accessible):
    for path, label in [
        (reverse("portal:login"), "connexion"),
        (reverse("portal:password_reset"), "mot de passe oublié"),
        (reverse("portal:password_reset_done"), "courriel envoyé"),
        (reverse("portal:password_reset_complete"), "mot de passe enregistré"),
        (reverse("portal:password_reset_confirm", kwargs={"uidb64": "MQ", "token": "faux-jeton"}), "lien non valide"),
        (reverse("portal:invitation_accept", kwargs={"token": "inconnu"}), "invitation non valide"),
        (reverse("registration:register"), "inscrire votre association"),
        (reverse("registration:sent"), "vérifiez votre boîte"),
        (reverse("registration:resend"), "nouveau lien d'activation"),
        (reverse("registration:activate", kwargs={"uidb64": "MQ", "token": "faux-jeton"}), "lien d'activation non valide"),
    ]:
        page.goto(live_server.url + path)
        check_both_widths(page, assert_accessible, label)


def test_the_new_password_form_is_accessible(page, live_server, assert_accessible):
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory(email="camille@example.invalid")
    link = reverse("portal:password_reset_confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)})
    page.goto(live_server.url + link)
    assert page.get_by_role("heading", level=1).inner_text() == "Choisir un nouveau mot de passe"
    check_both_widths(page, assert_accessible, "nouveau mot de passe")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    assert "Le formulaire contient 2 erreurs" in page.get_by_role("alert").inner_text()
    check_both_widths(page, assert_accessible, "nouveau mot de passe en erreur")


def test_login_errors_are_summarised_and_tied_to_their_field(page, live_server, assert_accessible):
    page.goto(live_server.url + reverse("portal:login"))
    page.get_by_role("button", name="Se connecter").click()
    summary = page.get_by_role("alert")
    assert "Le formulaire contient 2 erreurs" in summary.inner_text()
    assert page.get_by_label("Identifiant").get_attribute("aria-invalid") == "true"
    described = page.get_by_label("Identifiant").get_attribute("aria-describedby").split()
    assert "id_username_error" in described
    assert page.locator("#id_username_error").inner_text().endswith("Ce champ est obligatoire.")
    summary.get_by_role("link", name=re.compile("Mot de passe")).click()
    assert page.evaluate("() => document.activeElement.id") == "id_password"
    check_both_widths(page, assert_accessible, "connexion en erreur")


def test_the_keyboard_reaches_the_content_first(page, live_server, portal_login, association):
    portal_login(page, live_server, association[1])
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenu"


def test_member_pages_are_accessible(page, live_server, portal_login, assert_accessible, association):
    convention, member = association
    portal_login(page, live_server, member)
    assert page.get_by_role("heading", level=1).inner_text() == "Les Amis du Canal"
    assert page.get_by_role("link", name="Attestation d'assurance").is_visible()
    check_both_widths(page, assert_accessible, "accueil")

    page.get_by_role("link", name=re.compile("^Justificatifs")).first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Justificatifs")
    check_both_widths(page, assert_accessible, "justificatifs")

    # An upload refused by content: the error is summarised at the top and tied to the slot.
    slot = page.locator(f"#document-{convention.documents.get(kind=DocumentKind.INSURANCE).pk}")
    slot.get_by_label(re.compile("Fichier pour")).set_input_files(
        {"name": "attestation.pdf", "mimeType": "application/pdf", "buffer": b"du texte, pas un PDF"})
    slot.get_by_role("button", name=re.compile("Déposer le fichier")).click()
    assert "ni un PDF, ni une image JPEG ou PNG" in page.get_by_role("alert").inner_text()
    check_both_widths(page, assert_accessible, "justificatifs en erreur")

    # A real PDF is received.
    slot = page.locator(f"#document-{convention.documents.get(kind=DocumentKind.INSURANCE).pk}")
    slot.get_by_label(re.compile("Fichier pour")).set_input_files(
        {"name": "attestation.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()})
    slot.get_by_role("button", name=re.compile("Déposer le fichier")).click()
    assert "« Attestation d'assurance » est bien déposé." in page.get_by_role("status").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Télécharger le fichier déposé pour « Attestation d'assurance »")).click()
    assert download.value.suggested_filename == "attestation-dassurance-amp-2025-canal.pdf"


def test_the_association_picker_is_accessible(page, live_server, portal_login, assert_accessible, association):
    convention, member = association
    other = ConventionFactory(beneficiary=BeneficiaryFactory(name="Jardin des Lilas"), reference="AMP-2025-LILAS")
    MembershipFactory(user=member, beneficiary=other.beneficiary)
    portal_login(page, live_server, member)
    assert page.get_by_role("heading", level=1).inner_text() == "Choisir une association"
    check_both_widths(page, assert_accessible, "choix de l'association")

    page.get_by_role("button", name=re.compile("Jardin des Lilas")).click()
    assert "AMP-2025-LILAS" in page.content() and "AMP-2025-CANAL" not in page.content()
    page.get_by_label("Association").select_option(label="ADC")  # the header's picker, by keyboard too
    page.get_by_role("button", name="Changer").click()
    assert "AMP-2025-CANAL" in page.content()
    check_both_widths(page, assert_accessible, "accueil après changement d'association")


def test_invitation_to_home_is_accessible(page, live_server, assert_accessible):
    beneficiary = BeneficiaryFactory(name="Les Amis du Canal")
    invitation_create(beneficiary=beneficiary, email="presidente@amis.invalid", role=MemberRole.PRESIDENT,
                      site_url=live_server.url)
    link = re.search(r"(http://\S+/portail/invitation/\S+/)", mail.outbox[-1].body).group(1)

    page.goto(link)
    check_both_widths(page, assert_accessible, "invitation")
    page.get_by_label("Prénom").fill("Claire")
    page.get_by_label("Nom", exact=True).fill("MOREAU")
    page.get_by_label("Mot de passe", exact=True).fill("court")
    page.get_by_label("Confirmation du mot de passe").fill("court")
    page.get_by_role("button", name=re.compile("Créer mon compte")).click()
    assert "Ce mot de passe est trop court" in page.get_by_role("alert").inner_text()
    check_both_widths(page, assert_accessible, "invitation en erreur")

    page.get_by_label("Mot de passe", exact=True).fill("Berges-du-canal-2026")
    page.get_by_label("Confirmation du mot de passe").fill("Berges-du-canal-2026")
    page.get_by_role("button", name=re.compile("Créer mon compte")).click()
    assert "Bienvenue !" in page.get_by_role("status").inner_text()
    assert "Rien à faire pour le moment" in page.content()
    check_both_widths(page, assert_accessible, "accueil vide")

    page.goto(link)  # the link served once
    assert page.get_by_role("heading", level=1).inner_text() == "Lien déjà utilisé"

    page.get_by_role("button", name="Se déconnecter").click()
    assert "/portail/connexion/" in page.url


def test_the_axe_check_fails_on_an_inaccessible_page(page, assert_accessible):
    """The helper is no rubber stamp: a low-contrast text and an unlabelled field fail it."""
    from tests.browser.conftest import axe_violations

    page.set_content('<html lang="fr"><head><title>t</title></head><body><main><h1>Titre</h1>'
                     '<p style="color:#bbb;background:#fff">Texte trop pâle</p>'
                     '<input type="text" name="x"></main></body></html>')
    assert {v["id"] for v in axe_violations(page)} >= {"color-contrast", "label"}
    with pytest.raises(AssertionError, match="color-contrast"):
        assert_accessible(page)
