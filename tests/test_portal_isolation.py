"""Tenant isolation: every portal URL, walked from the URL configuration, answers 404 to a
member of another association and sends anonymous visitors to the login page; a form posted
there by either saves nothing.

A portal URL that takes an identifier and has no case in ``tests/portal_cases.py`` fails
``test_every_portal_url_with_an_identifier_has_an_isolation_case``.
"""

import re
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

from tests.db_state import changed_tables, database_state
from tests.factories import ConventionFactory, MembershipFactory
from tests.portal_cases import ISOLATION_CASES, OWN_ACCOUNT_URLS, PUBLIC_URLS
from tests.samples import pdf_bytes, upload

PORTAL_PREFIX = "portail/"
PARAMETER = re.compile(r"<(?:[^>:]+:)?([^>]+)>|\(\?P<([^>]+)>")


@dataclass(frozen=True)
class PortalURL:
    name: str
    route: str
    parameters: tuple[str, ...]


def walk(resolver=None, prefix: str = "", namespace: str = ""):
    """Yield every URL pattern under ``resolver`` with its full route and namespaced name."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else (pattern.namespace or namespace)
            yield from walk(pattern, route, inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else (pattern.name or "")
            yield route, name


def portal_urls(resolver=None) -> list[PortalURL]:
    urls = []
    for route, name in walk(resolver):
        route = route.lstrip("^")
        if route.startswith(PORTAL_PREFIX):
            parameters = tuple(a or b for a, b in PARAMETER.findall(route))
            urls.append(PortalURL(name=name, route=route, parameters=parameters))
    return urls


PORTAL_URLS = portal_urls()
PRIVATE_URLS = sorted(u.name for u in PORTAL_URLS if u.name not in PUBLIC_URLS)


def test_the_walker_sees_the_portal():
    names = {u.name for u in PORTAL_URLS}
    assert {"portal:home", "portal_conventions:documents", "portal_conventions:document_file"} <= names
    assert next(u for u in PORTAL_URLS if u.name == "portal_conventions:document_file").parameters == (
        "convention_pk", "pk")


def test_every_portal_url_is_named():
    assert [u.route for u in PORTAL_URLS if not u.name or u.name.endswith(":")] == []


def missing_isolation_cases(urls: list[PortalURL]) -> list[str]:
    return [
        f"{u.name} (/{u.route})" for u in urls
        if u.parameters and u.name not in ISOLATION_CASES and u.name not in PUBLIC_URLS
    ]


def test_the_walker_flags_a_new_portal_url_without_a_case():
    """A URL configuration with one uncovered portal URL: the check names it."""
    from django.urls import include, path
    from django.views import View

    fake = URLResolver(RegexPattern(r"^/"), [
        path("portail/conventions/", include(([
            path("<int:convention_pk>/justificatifs/", View.as_view(), name="documents"),
            path("<int:convention_pk>/nouveau/<slug:code>/", View.as_view(), name="brand_new"),
        ], "portal_conventions"))),
        path("admin/<int:pk>/", View.as_view(), name="not_portal"),
    ])
    urls = portal_urls(fake)
    assert [u.parameters for u in urls] == [("convention_pk",), ("convention_pk", "code")]
    assert missing_isolation_cases(urls) == [
        "portal_conventions:brand_new (/portail/conventions/<int:convention_pk>/nouveau/<slug:code>/)"
    ]


def test_every_portal_url_with_an_identifier_has_an_isolation_case():
    missing = missing_isolation_cases(PORTAL_URLS)
    assert missing == [], (
        "Portal URLs taking an identifier without a tenant isolation case: add one to "
        f"tests/portal_cases.py for each of {missing}"
    )


def test_no_isolation_case_is_left_for_a_url_that_no_longer_exists():
    names = {u.name for u in PORTAL_URLS}
    assert sorted(set(ISOLATION_CASES) - names) == []
    assert sorted(PUBLIC_URLS - names) == []


@pytest.fixture
def victim(db):
    """An association with an agreement, and one of its members."""
    convention = ConventionFactory()
    member = MembershipFactory(beneficiary=convention.beneficiary).user
    return convention, member


@pytest.fixture
def intruder(db):
    """A member of another association, which has an agreement of its own."""
    own = ConventionFactory()
    return MembershipFactory(beneficiary=own.beneficiary).user


def request(client, case, url, kwargs):
    data = case.data(kwargs) if case.data else {}
    return getattr(client, case.method)(url, data)


@pytest.mark.parametrize("name", sorted(ISOLATION_CASES))
def test_a_member_of_another_association_gets_404(client, victim, intruder, name):
    case = ISOLATION_CASES[name]
    convention, member = victim
    kwargs = case.build(convention)
    url = reverse(name, kwargs=kwargs)

    client.force_login(intruder)
    assert request(client, case, url, kwargs).status_code == 404, f"{name}: another association's {kwargs}"

    client.force_login(member)
    assert request(client, case, url, kwargs).status_code != 404, f"{name}: its own member must reach it"


@pytest.mark.parametrize("name", PRIVATE_URLS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, victim, name):
    case = ISOLATION_CASES.get(name)
    kwargs = case.build(victim[0]) if case else {}
    url = reverse(name, kwargs=kwargs)
    response = request(client, case, url, kwargs) if case else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login") + "?next=")


def forged_form(convention, kwargs) -> dict:
    """A form such as the portal's own, aimed at ``convention``: the fields of every portal form
    (budget lines and import, payment request, document upload, association picker)."""
    body = {
        "action": "submit", "version": "", "l-TOTAL_FORMS": "1", "l-INITIAL_FORMS": "0",
        "l-0-code": "641", "l-0-label": "Salaires", "l-0-amount": "1",
        "kind": "advance", "certified_by_name": "Intrus", "certified_by_quality": "Président", "certify": "on",
        "beneficiary": str(convention.beneficiary_id), "next": "/portail/",
        "file": upload("budget.csv", "code;libellé;montant\n641;Salaires;1\n".encode(), "text/csv"),
    }
    if "pk" in kwargs:
        body[f"doc{kwargs['pk']}-file"] = upload("piece.pdf", pdf_bytes())
    return body


@pytest.mark.parametrize("name", PRIVATE_URLS)
def test_a_form_posted_to_another_associations_url_saves_nothing(client, victim, intruder, name):
    """POST on every portal URL, whatever method its case uses: 404 to a member of another
    association (405 on the one page without identifier that takes no form, the form and its error
    on the user's own settings: ``OWN_ACCOUNT_URLS``), the login page to an anonymous visitor, and
    not one row written or changed."""
    case = ISOLATION_CASES.get(name)
    convention, _member = victim
    kwargs = case.build(convention) if case else {}
    url = reverse(name, kwargs=kwargs)

    def body():
        return {**forged_form(convention, kwargs), **(case.data(kwargs) if case and case.data else {})}

    client.force_login(intruder)
    before = database_state()
    response = client.post(url, body())
    expected = (404,) if case else (200,) if name in OWN_ACCOUNT_URLS else (404, 405)
    assert response.status_code in expected, f"{name}: another association's {kwargs}"

    client.logout()
    response = client.post(url, body())
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login") + "?next="), name

    assert changed_tables(before) == [], name
