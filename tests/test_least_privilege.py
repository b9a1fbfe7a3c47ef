"""Least privilege: no role raises its own rights, an invitation serves its invited address,
and a form posted without the version it was opened at is refused as stale."""

import re
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse

from beneficiaries.models import MemberRole, Membership
from beneficiaries.services import invitation_create
from budgets.models import BudgetLine
from conventions.models import Convention, Status
from core.roles import ADMINISTRATOR, AGENT, FINANCE
from tests.factories import (
    BeneficiaryFactory,
    BudgetFactory,
    ConventionFactory,
    MembershipFactory,
    UserFactory,
    add_balanced_lines,
    staff_user,
)
from tests.test_admin import _convention_post_data

PASSWORD = "motdepasse-solide-42"  # tests.factories.UserFactory


def text(response) -> str:
    """Return the page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", response.content.decode())).split())


# --- 1. No role raises its own rights ----------------------------------------------------------------


def user_change_url(user):
    return reverse("admin:auth_user_change", args=[user.pk])


def raising_post(target, admin_group):
    """A crafted post of the user change form that ticks every right it can."""
    permission = Permission.objects.get(codename="delete_user")
    return {
        "username": target.username, "first_name": "Nouveau", "last_name": target.last_name,
        "email": target.email, "is_active": "on", "is_staff": "on", "is_superuser": "on",
        "groups": [admin_group.pk], "user_permissions": [permission.pk],
        "last_login_0": "", "last_login_1": "", "date_joined_0": "01/01/2026", "date_joined_1": "10:00:00",
    }


def rights(user):
    user.refresh_from_db()
    return (user.is_superuser, user.is_staff, sorted(user.groups.values_list("name", flat=True)),
            sorted(user.user_permissions.values_list("codename", flat=True)))


@pytest.fixture
def administrator(db):
    return staff_user("administratrice", ADMINISTRATOR)


@pytest.fixture
def admin_group(administrator):
    return Group.objects.get(name=ADMINISTRATOR)


def test_an_administrator_cannot_make_themself_superuser(client, administrator, admin_group):
    before = rights(administrator)
    client.force_login(administrator)
    page = client.get(user_change_url(administrator))
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()  # shown read-only
    response = client.post(user_change_url(administrator), raising_post(administrator, admin_group))
    assert response.status_code == 302
    assert rights(administrator) == before
    administrator.refresh_from_db()
    assert administrator.first_name == "Nouveau"  # the identity is still theirs to manage


def test_an_administrator_cannot_raise_anyone_elses_rights(client, administrator, admin_group):
    other = UserFactory(username="benevole")
    before = rights(other)
    client.force_login(administrator)
    client.post(user_change_url(other), raising_post(other, admin_group))
    assert rights(other) == before == (False, False, [], [])


def test_an_administrator_cannot_change_a_superusers_account(client, administrator, admin_group):
    root = UserFactory(username="racine", is_superuser=True, is_staff=True)
    client.force_login(administrator)
    assert client.get(user_change_url(root)).status_code in (200, 403)  # at most seen, read-only
    response = client.post(user_change_url(root), {**raising_post(root, admin_group), "is_superuser": ""})
    assert response.status_code == 403
    password = client.post(reverse("admin:auth_user_password_change", args=[root.pk]),
                           {"password1": "Pirate-2026-xyz", "password2": "Pirate-2026-xyz"})
    assert password.status_code == 403
    root.refresh_from_db()
    assert root.is_superuser and root.check_password(PASSWORD)


@pytest.mark.parametrize("role", [AGENT, FINANCE])
def test_agents_and_finance_do_not_reach_the_user_change_page(client, admin_group, role):
    user = staff_user("personne", role)
    before = rights(user)
    client.force_login(user)
    assert client.get(user_change_url(user)).status_code == 403
    assert client.post(user_change_url(user), raising_post(user, admin_group)).status_code == 403
    assert rights(user) == before


def test_a_superuser_still_grants_rights(client, admin_group):
    root = UserFactory(username="racine", is_superuser=True, is_staff=True)
    other = UserFactory(username="benevole")
    client.force_login(root)
    response = client.post(user_change_url(other), raising_post(other, admin_group))
    assert response.status_code == 302
    assert rights(other) == (True, True, [ADMINISTRATOR], ["delete_user"])


# --- 2. An invitation is accepted only by the invited address -----------------------------------------

INVITED = "tresoriere@amis-du-canal.invalid"


@pytest.fixture
def beneficiary(db):
    return BeneficiaryFactory(name="Les Amis du Canal")


@pytest.fixture
def link(beneficiary, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(beneficiary=beneficiary, email=INVITED, role=MemberRole.TREASURER,
                                       site_url="http://testserver")
    assert invitation.token in mail.outbox[-1].body
    return reverse("portal:invitation_accept", kwargs={"token": invitation.token})


def test_another_account_does_not_join_without_confirming(client, beneficiary, link):
    intruder = UserFactory(username="autre", email="autre@ailleurs.invalid")
    client.force_login(intruder)
    page = text(client.get(link))
    assert (f"Cette invitation a été envoyée à {INVITED} pour rejoindre Les Amis du Canal ; "
            "vous êtes connecté avec autre@ailleurs.invalid.") in page
    assert "Je confirme rejoindre Les Amis du Canal avec mon compte autre@ailleurs.invalid." in page
    refused = text(client.post(link))
    assert "cochez la case de confirmation" in refused
    assert not Membership.objects.filter(user=intruder, beneficiary=beneficiary).exists()
    # The link is not spent: the invited person can still use it.
    invited = UserFactory(username="ines", email=INVITED.upper())
    client.force_login(invited)
    assert client.post(link).status_code == 302
    assert Membership.objects.filter(user=invited, beneficiary=beneficiary).exists()


def test_another_account_joins_once_it_confirms(client, beneficiary, link):
    other = UserFactory(username="autre", email="autre@ailleurs.invalid")
    client.force_login(other)
    assert client.post(link, {"confirm_other_account": "1"}).status_code == 302
    assert Membership.objects.filter(user=other, beneficiary=beneficiary).exists()


def test_the_invited_address_joins_directly_whatever_its_case(client, beneficiary, link):
    invited = UserFactory(username="ines", email="Tresoriere@Amis-du-Canal.invalid")
    client.force_login(invited)
    assert "Je confirme rejoindre" not in text(client.get(link))
    assert client.post(link).status_code == 302
    assert Membership.objects.get(user=invited, beneficiary=beneficiary).role == MemberRole.TREASURER


def test_a_new_account_is_still_created_from_the_link(client, beneficiary, link):
    response = client.post(link, {"first_name": "Inès", "last_name": "PETIT", "password1": "Jardin-potager-2026",
                                  "password2": "Jardin-potager-2026"})
    assert response.status_code == 302
    assert Membership.objects.filter(user__email=INVITED, beneficiary=beneficiary).exists()


# --- 3. A post without its version is refused as stale ------------------------------------------------

STALE_BUDGET = "Ce budget a été modifié par quelqu'un d'autre depuis l'ouverture de la page."


@pytest.fixture
def member(db):
    return UserFactory(username="tresoriere")


@pytest.fixture
def forecast(member):
    membership = MembershipFactory(user=member)
    convention = ConventionFactory(beneficiary=membership.beneficiary, amount_granted=Decimal("10000"),
                                   status=Status.DRAFT)
    return add_balanced_lines(BudgetFactory(convention=convention))


def budget_post(response, **changes):
    from tests.test_budget_portal import form_data

    return form_data(response, **changes)


@pytest.mark.parametrize("version", [None, ""])
def test_a_portal_budget_post_without_its_version_is_refused(client, member, forecast, version):
    client.force_login(member)
    url = reverse("portal_budgets:forecast", args=[forecast.convention_id])
    page = client.get(url)
    before = sorted(BudgetLine.objects.filter(budget=forecast).values_list("code", "label", "amount"))
    amount_field = next(f.add_prefix("amount") for f in page.context["formset"].forms if f.spec.code == "641")
    data = budget_post(page, **{amount_field: "123456,00"})
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    for action in ("save", "submit"):
        response = client.post(url, {**data, "action": action})
        assert response.status_code == 200
        assert STALE_BUDGET in text(response)
        assert 'value="123456,00"' in response.content.decode() or "123456" in response.content.decode()
    forecast.refresh_from_db()
    assert sorted(BudgetLine.objects.filter(budget=forecast).values_list("code", "label", "amount")) == before
    assert forecast.status == page.context["budget"].status and forecast.version == page.context["budget"].version


@pytest.mark.parametrize("version", [None, ""])
def test_an_admin_agreement_post_without_its_version_is_refused(agent_client, version):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    before = (convention.amount_granted, convention.version)
    data = _convention_post_data(convention, amount_granted="35000,00")
    if version is None:
        del data["seen_version"]  # no version field at all
    else:
        data["seen_version"] = version
    response = agent_client.post(reverse("admin:conventions_convention_change", args=[convention.pk]), data)
    assert response.status_code == 200
    assert "Quelqu'un d'autre a enregistré cette fiche" in text(response)
    assert 'value="35000,00"' in response.content.decode()
    convention.refresh_from_db()
    assert (convention.amount_granted, convention.version) == before
