"""The client's address behind reverse proxies, as login throttling counts it (core/client_ip.py).

Without a proxy (PROXY_COUNT=0), X-Forwarded-For is whatever the client typed: ignored. Behind
PROXY_COUNT proxies, each appends the address it received the request from; only those entries
are trusted, so clients behind the proxy are counted apart and none can pose as another.
"""

import pytest
from axes.utils import reset
from django.test import override_settings
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "motdepasse-solide-42"
LOCKED = "Connexion temporairement bloquée"


@pytest.fixture
def throttled(db):
    """Login throttling on, as in production: 5 failures for one user name from one address."""
    with override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5):
        reset()
        yield
        reset()


def log_in(client, username, password, *, remote, forwarded=None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    response = client.post(reverse("portal:login"), {"username": username, "password": password}, **headers)
    client.logout()
    return response


def assert_locked(response):
    assert response.status_code == 429
    assert LOCKED in response.content.decode()


@override_settings(PROXY_COUNT=0)
def test_without_a_proxy_a_client_cannot_choose_its_address_with_the_forwarded_header(client, throttled):
    user = UserFactory()
    for n in range(5):
        log_in(client, user.username, "faux", remote="203.0.113.7", forwarded=f"198.51.100.{n}")
    # Another forged address changes nothing: the socket's address is locked for this user.
    assert_locked(log_in(client, user.username, PASSWORD, remote="203.0.113.7", forwarded="192.0.2.99"))
    assert_locked(log_in(client, user.username, PASSWORD, remote="203.0.113.7"))
    # The same user from another address still logs in.
    assert log_in(client, user.username, PASSWORD, remote="203.0.113.8").status_code == 302


@override_settings(PROXY_COUNT=1)
def test_behind_one_proxy_two_clients_are_counted_apart(client, throttled):
    user = UserFactory()
    proxy = "10.0.0.254"
    for _ in range(5):
        log_in(client, user.username, "faux", remote=proxy, forwarded="203.0.113.10")
    assert_locked(log_in(client, user.username, PASSWORD, remote=proxy, forwarded="203.0.113.10"))
    # Locking one client behind the proxy does not lock the account for the others.
    assert log_in(client, user.username, PASSWORD, remote=proxy, forwarded="198.51.100.20").status_code == 302


@pytest.mark.parametrize(
    "proxy_count, appended_by_proxies, remote",
    [
        (1, "", "10.0.0.254"),  # the proxy appends the client's address; it is REMOTE_ADDR
        (2, ", 10.0.0.1", "10.0.0.2"),  # the outer proxy appends the client's, the inner one the outer's
    ],
)
def test_a_forged_left_most_address_is_not_trusted(client, throttled, proxy_count, appended_by_proxies, remote):
    user = UserFactory()
    victim, attacker = "198.51.100.20", "203.0.113.66"
    with override_settings(PROXY_COUNT=proxy_count):
        # The attacker prepends the victim's address; the proxies append what they really saw.
        for _ in range(5):
            log_in(client, user.username, "faux", remote=remote, forwarded=f"{victim}, {attacker}{appended_by_proxies}")
        assert_locked(log_in(client, user.username, PASSWORD, remote=remote, forwarded=attacker + appended_by_proxies))
        # The victim, whose address the attacker wrote, is not locked out of the account.
        response = log_in(client, user.username, PASSWORD, remote=remote, forwarded=victim + appended_by_proxies)
    assert response.status_code == 302
