"""Access to the portal: invitations by email, login, logout, password reset, association picker."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import Invitation, MemberRole, Membership
from beneficiaries.services import invitation_create, invitation_token_hash
from tests.factories import BeneficiaryFactory, ConventionFactory, MembershipFactory, UserFactory

PASSWORD = "Jardin-potager-2026"


def text(response) -> str:
    """Return the page as a person reads it (HTML entities such as &#x27; decoded)."""
    return unescape(response.content.decode())

LINK = re.compile(r"http://testserver(/portail/invitation/[^/\s]+/)")


@pytest.fixture
def beneficiary(db):
    return BeneficiaryFactory(name="Les Amis du Canal")


@pytest.fixture
def invite(beneficiary, django_capture_on_commit_callbacks):
    """Invite ``email`` and return the link's path, read from the email sent."""

    def invite(email="tresoriere@amis-du-canal.invalid", role=MemberRole.TREASURER, target=beneficiary):
        with django_capture_on_commit_callbacks(execute=True):
            invitation_create(beneficiary=target, email=email, role=role, site_url="http://testserver")
        return LINK.search(mail.outbox[-1].body).group(1)

    return invite


def account_data(**overrides):
    return {"first_name": "Inès", "last_name": "PETIT", "password1": PASSWORD, "password2": PASSWORD, **overrides}


def test_the_invitation_email_holds_a_one_time_link_whose_token_is_not_stored(invite):
    path = invite()
    message = mail.outbox[0]
    assert message.to == ["tresoriere@amis-du-canal.invalid"]
    assert message.subject == "Invitation au portail des associations — Les Amis du Canal"
    assert "ne sert qu'une fois et reste valable jusqu'au" in message.body
    token = path.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    assert invitation.token_hash == invitation_token_hash(token) != token
    assert token not in str(Invitation.objects.values_list().get())
    assert abs(invitation.expires_at - invitation.created_at - timedelta(days=7)) < timedelta(minutes=1)


def test_accepting_creates_the_account_and_the_membership_then_logs_in(client, invite, beneficiary):
    path = invite()
    page = text(client.get(path))
    assert "Rejoindre l'espace des Amis du Canal" in page and "tresoriere@amis-du-canal.invalid" in page

    response = client.post(path, account_data(), follow=True)

    user = get_user_model().objects.get(username="tresoriere@amis-du-canal.invalid")
    assert user.check_password(PASSWORD) and user.first_name == "Inès"
    assert Membership.objects.get(user=user).role == MemberRole.TREASURER
    invitation = Invitation.objects.get()
    assert invitation.used_at is not None and invitation.accepted_by == user
    assert invitation.history.count() == 2  # sent, then used: audited
    assert response.context["user"] == user
    assert "Bienvenue ! Vous avez rejoint l'espace des Amis du Canal." in text(response)


def test_a_reused_link_gets_a_clear_page_and_creates_nothing(client, invite):
    path = invite()
    client.post(path, account_data())
    client.logout()

    response = client.post(path, account_data(first_name="Autre"))

    assert response.status_code == 410
    assert "Ce lien d'invitation a déjà été utilisé" in text(response)
    assert get_user_model().objects.filter(email="tresoriere@amis-du-canal.invalid").count() == 1
    assert client.get(path).status_code == 410


def test_an_expired_link_gets_a_clear_page_and_creates_nothing(client, invite):
    path = invite()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    for response in (client.get(path), client.post(path, account_data())):
        assert response.status_code == 410
        assert "Ce lien d'invitation a expiré le" in text(response)
    assert not get_user_model().objects.filter(email="tresoriere@amis-du-canal.invalid").exists()


@pytest.mark.parametrize("token", ["inconnu", "x" * 43, "a" * 300])
def test_a_wrong_token_gets_a_clear_page(client, invite, token):
    invite()
    response = client.get(reverse("portal:invitation_accept", kwargs={"token": token}))
    assert response.status_code == 404
    assert "Ce lien d'invitation n'est pas valide" in text(response)


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"password2": "Autre-chose-2026"}, "password2", "Les deux mots de passe ne sont pas identiques."),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "Ce mot de passe est entièrement numérique."),
        ({"password1": "court", "password2": "court"}, "password1", "Ce mot de passe est trop court."),
        ({"last_name": ""}, "last_name", "Ce champ est obligatoire."),
    ],
)
def test_a_bad_password_is_refused_on_its_field_and_the_link_stays_valid(client, invite, overrides, field, message):
    path = invite()
    response = client.post(path, account_data(**overrides))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    page = text(response)
    assert 'class="error-summary"' in page and f'href="#id_{field}"' in page
    assert f'aria-describedby="id_{field}_helptext id_{field}_error"' in page or f'id="id_{field}_error"' in page
    assert not get_user_model().objects.filter(email="tresoriere@amis-du-canal.invalid").exists()
    assert Invitation.objects.get().used_at is None


def test_an_existing_account_logs_in_first_then_joins(client, invite, beneficiary):
    other = MembershipFactory(user=UserFactory(username="ines", email="Tresoriere@Amis-du-canal.invalid"))
    path = invite()

    page = text(client.get(path))
    assert "Un compte utilise déjà l'adresse" in page
    client.post(path, account_data())
    assert Invitation.objects.get().used_at is None  # nothing happens without logging in

    client.force_login(other.user)
    assert "Rejoindre l'association" in text(client.get(path))
    response = client.post(path)
    assert response.status_code == 302
    assert set(other.user.memberships.values_list("beneficiary__name", flat=True)) == {
        other.beneficiary.name, "Les Amis du Canal"}
    assert get_user_model().objects.count() == 1


def test_a_new_invitation_replaces_the_pending_one(client, invite):
    first = invite()
    second = invite()
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_the_agent_invites_a_member_from_the_association_page(agent_client, django_capture_on_commit_callbacks):
    from beneficiaries.models import Beneficiary

    beneficiary = Beneficiary.objects.get(acronym="Pôle SCS")
    change_url = reverse("admin:beneficiaries_beneficiary_change", args=[beneficiary.pk])
    invite_url = reverse("admin:beneficiaries_beneficiary_invite", args=[beneficiary.pk])
    assert invite_url in text(agent_client.get(change_url))  # the « Inviter un membre » button
    form_page = text(agent_client.get(invite_url))
    assert "› Inviter un membre" in form_page and "expire au bout de" in form_page
    assert 'value="Envoyer l\'invitation"' in form_page and f'href="{change_url}" class="closelink">Annuler' in form_page

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(invite_url, {"email": "Compta@Pole-SCS.invalid", "role": "treasurer"}, follow=True)

    assert "Invitation envoyée à compta@pole-scs.invalid" in text(response)
    invitation = Invitation.objects.get(email="compta@pole-scs.invalid")
    assert invitation.beneficiary == beneficiary and invitation.invited_by.username == "agent"
    assert mail.outbox[-1].to == ["compta@pole-scs.invalid"]
    assert "compta@pole-scs.invalid" in text(agent_client.get(change_url))  # listed on the page


def test_the_agent_cannot_invite_someone_already_member(agent_client):
    from beneficiaries.models import Beneficiary

    beneficiary = Beneficiary.objects.get(acronym="Pôle SCS")
    url = reverse("admin:beneficiaries_beneficiary_invite", args=[beneficiary.pk])
    response = agent_client.post(url, {"email": "scs@demo.invalid", "role": "staff"})
    assert response.status_code == 200
    assert "Cette personne est déjà membre de l'association." in text(response)
    assert not Invitation.objects.filter(email="scs@demo.invalid").exists()


def test_finance_may_not_invite(client, demo):
    from beneficiaries.models import Beneficiary

    client.login(username="finance", password="demo")
    beneficiary = Beneficiary.objects.get(acronym="Pôle SCS")
    url = reverse("admin:beneficiaries_beneficiary_invite", args=[beneficiary.pk])
    assert client.post(url, {"email": "x@example.invalid", "role": "staff"}).status_code == 403


# -- login, logout, password reset --------------------------------------------------------------

def test_login_then_logout(client, db):
    membership = MembershipFactory(user=UserFactory(username="camille"))
    response = client.post(reverse("portal:login"), {"username": "camille", "password": "motdepasse-solide-42"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert membership.beneficiary.name in text(client.get(reverse("portal:home")))

    response = client.post(reverse("portal:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:login")
    assert client.get(reverse("portal:home")).status_code == 302


def test_a_wrong_password_is_refused_in_french(client, db):
    UserFactory(username="camille")
    response = client.post(reverse("portal:login"), {"username": "camille", "password": "faux"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in text(response)


def test_password_reset_sends_a_french_email_whose_link_sets_a_new_password(client, db):
    UserFactory(username="camille", email="camille@example.invalid")
    response = client.post(reverse("portal:password_reset"), {"email": "CAMILLE@example.invalid"})
    assert response.status_code == 302 and response["Location"] == reverse("portal:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Réinitialisation de votre mot de passe — portail des associations"
    assert "identifiant : camille" in message.body and "expire au bout de 24 heures" in message.body

    link = re.search(r"http://testserver(/portail/mot-de-passe/nouveau/\S+/)", message.body).group(1)
    form_url = client.get(link)["Location"]  # Django hides the token behind a redirect
    response = client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response["Location"] == reverse("portal:password_reset_complete")
    assert client.login(username="camille", password=PASSWORD)
    assert "Lien non valide" in text(client.get(link, follow=True))  # used once


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, db):
    response = client.post(reverse("portal:password_reset"), {"email": "personne@example.invalid"})
    assert response["Location"] == reverse("portal:password_reset_done")
    assert mail.outbox == []


# -- association picker -------------------------------------------------------------------------

@pytest.fixture
def member_of_two(db):
    user = UserFactory(username="double")
    first = ConventionFactory(beneficiary=BeneficiaryFactory(name="Association Alpha"), reference="AMP-ALPHA")
    # A large id: ids in the page must not be written the French way (« 54 321 »).
    second = ConventionFactory(beneficiary=BeneficiaryFactory(name="Association Bêta", pk=54321), reference="AMP-BETA")
    for convention in (first, second):
        MembershipFactory(user=user, beneficiary=convention.beneficiary)
    return user, first.beneficiary, second.beneficiary


def test_a_member_of_several_associations_picks_one(client, member_of_two):
    user, alpha, beta = member_of_two
    client.force_login(user)
    assert client.get(reverse("portal:home"))["Location"] == reverse("portal:choose_beneficiary")
    page = text(client.get(reverse("portal:choose_beneficiary")))
    assert "Association Alpha" in page and "Association Bêta" in page

    response = client.post(reverse("portal:choose_beneficiary"), {"beneficiary": beta.pk}, follow=True)
    page = text(response)
    assert "Vous travaillez maintenant pour « Association Bêta »." in page
    assert "AMP-BETA" in page and "AMP-ALPHA" not in page
    assert '<option value="54321" selected>' in page  # the header's picker
    assert 'name="beneficiary" value="54321"' in text(client.get(reverse("portal:choose_beneficiary")))

    page = text(client.post(reverse("portal:choose_beneficiary"), {"beneficiary": alpha.pk}, follow=True))
    assert "AMP-ALPHA" in page and "AMP-BETA" not in page


def test_picking_an_association_one_is_not_member_of_is_404(client, member_of_two):
    user, _alpha, _beta = member_of_two
    stranger = BeneficiaryFactory()
    client.force_login(user)
    assert client.post(reverse("portal:choose_beneficiary"), {"beneficiary": stranger.pk}).status_code == 404
    assert client.post(reverse("portal:choose_beneficiary"), {"beneficiary": "abc"}).status_code == 404


def test_a_member_of_one_association_goes_straight_home_without_a_picker(client, db):
    membership = MembershipFactory()
    client.force_login(membership.user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert 'id="header-beneficiary"' not in text(response)


def test_a_revoked_membership_no_longer_counts(client, member_of_two):
    user, alpha, beta = member_of_two
    client.force_login(user)
    client.post(reverse("portal:choose_beneficiary"), {"beneficiary": beta.pk})
    Membership.objects.filter(user=user, beneficiary=beta).update(is_active=False)
    page = text(client.get(reverse("portal:home")))
    assert "Association Alpha" in page and "AMP-BETA" not in page


def test_opening_an_agreement_of_another_of_ones_associations_switches_to_it(client, member_of_two):
    user, alpha, beta = member_of_two
    client.force_login(user)
    client.post(reverse("portal:choose_beneficiary"), {"beneficiary": alpha.pk})
    beta_convention = beta.conventions.get()
    page = text(client.get(reverse("portal_conventions:documents", kwargs={"convention_pk": beta_convention.pk})))
    assert f'<option value="{beta.pk}" selected>' in page
    assert "AMP-BETA" in text(client.get(reverse("portal:home")))
