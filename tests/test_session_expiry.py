"""An expired session in the middle of a form: nothing is saved, nothing typed is lost.

The form sent after expiry is refused (redirect to the login page); once its author logs in
again, it is carried out as if just sent. Somebody else logging in on the same browser does
not get it.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from conventions.models import Convention, Status
from tests.factories import (
    BudgetFactory,
    ConventionFactory,
    MembershipFactory,
    UserFactory,
    add_balanced_lines,
)
from tests.test_admin import _convention_post_data
from tests.test_budget_portal import field_name, form_data, url

PASSWORD = "motdepasse-solide-42"


def expire_session(client):
    """Make the browser's session expire as it would after hours without activity."""
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(minutes=1))


def portal_login(client, username, next_url):
    response = client.post(f"{reverse('portal:login')}?next={next_url}", {"username": username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == next_url
    return response


def salaries_sent_after_expiry(client, forecast, amount: str):
    """Open the forecast form, let the session expire, then send « Salaires » at ``amount``.

    Return the page's path and the response to the late submission.
    """
    page = url("forecast", forecast.convention)
    opened = client.get(page)
    salaries = field_name(opened, "641", "Salaires")
    expire_session(client)
    return page, client.post(page, form_data(opened, **{salaries: amount, "action": "save"}))


@pytest.fixture
def member_client(client, member):
    client.post(reverse("portal:login"), {"username": member.username, "password": PASSWORD})
    return client


@pytest.fixture
def member(db):
    return UserFactory(username="tresoriere")


@pytest.fixture
def forecast(member):
    """A forecast budget being filled in by the association before signature."""
    beneficiary = MembershipFactory(user=member).beneficiary
    convention = ConventionFactory(beneficiary=beneficiary, amount_granted=Decimal("10000"), status=Status.DRAFT)
    return add_balanced_lines(BudgetFactory(convention=convention))


def test_a_budget_sent_after_expiry_is_saved_once_its_author_logs_in_again(member_client, member, forecast):
    before = dict(forecast.lines.values_list("label", "amount"))

    page, refused = salaries_sent_after_expiry(member_client, forecast, "7 250,00")

    assert refused.status_code == 302 and refused["Location"].startswith(reverse("portal:login"))
    assert dict(forecast.lines.values_list("label", "amount")) == before  # nothing saved
    login_page = member_client.get(refused["Location"]).content.decode()
    assert "Votre session a expiré : rien n&#x27;a été enregistré" in login_page

    portal_login(member_client, member.username, page)
    response = member_client.get(page, follow=True)

    assert forecast.lines.get(label="Salaires").amount == Decimal("7250.00")
    assert "Ce que vous aviez saisi avant l&#x27;expiration de votre session a été repris." in response.content.decode()
    # Carried out once: coming back to the page shows it normally.
    assert member_client.get(page).status_code == 200
    assert forecast.lines.get(label="Salaires").amount == Decimal("7250.00")


def test_an_invalid_form_sent_after_expiry_comes_back_with_what_was_typed(member_client, member, forecast):
    page, _ = salaries_sent_after_expiry(member_client, forecast, "12abc")

    portal_login(member_client, member.username, page)
    response = member_client.get(page)

    assert response.status_code == 200
    assert 'value="12abc"' in response.content.decode()
    assert response.context["formset"].forms[0].is_bound
    assert forecast.lines.get(label="Salaires").amount != Decimal("12")


def test_somebody_else_logging_in_on_the_same_browser_does_not_get_the_form(member_client, member, forecast):
    colleague = MembershipFactory(user=UserFactory(username="collegue"), beneficiary=forecast.convention.beneficiary).user
    before = forecast.lines.get(label="Salaires").amount
    page, _ = salaries_sent_after_expiry(member_client, forecast, "9 999,00")

    portal_login(member_client, colleague.username, page)
    response = member_client.get(page)

    assert response.status_code == 200 and not response.context["formset"].forms[0].is_bound
    assert "9999" not in response.content.decode().replace("\u202f", "").replace(" ", "")
    assert forecast.lines.get(label="Salaires").amount == before


def test_passwords_and_csrf_tokens_are_never_kept(member_client, forecast):
    from core.session_expiry import SESSION_KEY

    page = url("forecast", forecast.convention)
    opened = member_client.get(page)
    expire_session(member_client)
    member_client.post(page, form_data(opened, action="save", csrfmiddlewaretoken="x", new_password1="secret"))

    kept = Session.objects.get(session_key=member_client.cookies["sessionid"].value).get_decoded()[SESSION_KEY]
    assert set(kept) == {page}
    assert "csrfmiddlewaretoken" not in kept[page]["data"] and "new_password1" not in kept[page]["data"]


def test_an_agreement_edited_in_the_admin_after_expiry_is_saved_after_login(client, demo):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    change = reverse("admin:conventions_convention_change", args=[convention.pk])
    client.post(reverse("admin:login"), {"username": "agent", "password": "demo"})
    client.get(change)
    expire_session(client)

    refused = client.post(change, _convention_post_data(convention, amount_granted="35000,00",
                                                        seen_version=convention.version))

    assert refused.status_code == 302 and refused["Location"].startswith(reverse("admin:login"))
    convention.refresh_from_db()
    assert convention.amount_granted == Decimal("32000.00")
    assert "Votre session a expiré" in client.get(refused["Location"]).content.decode()

    client.post(f"{reverse('admin:login')}?next={change}", {"username": "agent", "password": "demo", "next": change})
    response = client.get(change)

    assert response.status_code == 302  # the admin saved it and went back to the list
    convention.refresh_from_db()
    assert convention.amount_granted == Decimal("35000.00")
    assert convention.history.latest().history_user.username == "agent"


def test_a_form_kept_for_hours_is_dropped_not_replayed(member_client, member, forecast, monkeypatch):
    from core import session_expiry

    before = forecast.lines.get(label="Salaires").amount
    page, _ = salaries_sent_after_expiry(member_client, forecast, "8 888,00")
    portal_login(member_client, member.username, reverse("portal:home"))

    later = session_expiry.time.time() + session_expiry.MAX_KEPT_SECONDS + 60
    monkeypatch.setattr(session_expiry.time, "time", lambda: later)
    response = member_client.get(page)

    assert response.status_code == 200 and not response.context["formset"].forms[0].is_bound
    assert forecast.lines.get(label="Salaires").amount == before
