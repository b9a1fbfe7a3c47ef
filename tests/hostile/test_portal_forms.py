"""Every form of the association portal (/portail/), found by walking its links as the demo's
members (« scs », whose agreement is signed, and « asso2 », whose associations has a draft and one
in justification), and the pages of visitors not logged in (login, password reset, invitation,
self-registration and its activation link):
each field in turn replaced with hostile values; and the query strings of the member's pages."""

from collections import deque
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from beneficiaries.models import Beneficiary
from beneficiaries.portal import SESSION_KEY
from beneficiaries.services import invitation_create
from conventions.models import Convention, Status
from registration.services import (
    AssociationInput,
    PersonInput,
    activation_link,
    registration_create,
)
from tests.demo_states import actual_at_forecast, confirmation_pages
from tests.factories import ConventionFactory, MembershipFactory, balanced_forecast
from tests.hostile.harness import Probe, Target, family
from tests.hostile.html_forms import links, post_forms
from tests.hostile.query_strings import probe_page

#: The portal's files: answered, never a form (their own tests check them).
FILES = (".pdf", ".csv", ".xlsx", "/fichier/")
#: Pages the walk leaves alone: logging out ends the walk's session.
LEAVE = ("portal:logout",)
#: Forms the demo has no page for yet, with why (each is tested by its own module meanwhile).
NOT_IN_THE_DEMO = {
    # The demo's renewal (AMP-2026-ENV-JPH) took its budget over at the renewal (dossier.renewal.convention_renew):
    # the portal offers the copy only on an empty budget (tests/test_renewal.py).
    "portal_conventions:renewal_budget_copy": "the demo's renewal already has its budget lines",
}


def portal_url_names_taking_post() -> set[str]:
    """The portal's named URLs whose view answers POST."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                view = getattr(pattern.callback, "view_class", None)
                if view is not None and hasattr(view, "post") and "post" in view.http_method_names:
                    names.add(f"{namespace}:{pattern.name}")

    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and str(pattern.pattern).startswith("portail/"):
            walk(pattern.url_patterns, pattern.namespace)
    return names


def form_signature(form) -> tuple:
    """What tells two forms apart: the view they post to and their kinds of fields (the rows of
    two budgets are the same fields)."""
    return resolve(form.action.split("?")[0]).view_name, tuple(sorted({family(f.name) for f in form.editable}))


def walk_portal(client, start="/portail/", limit=80, forms=None) -> dict[tuple, str]:
    """The portal's pages reached from ``start`` by following links: one per URL name and kind.
    ``forms`` (a dict), if given, receives each form not met before, by its signature, with the
    page that shows it (the association picker and the logout button are on every page)."""
    found: dict[tuple, str] = {}
    queue, seen = deque([start]), {start}
    while queue and len(seen) < limit:
        page = queue.popleft()
        response = client.get(page)
        match = resolve(page.split("?")[0])
        kind = tuple(sorted((k, v) for k, v in match.kwargs.items() if isinstance(v, str) and not k.endswith("pk")))
        found.setdefault((match.view_name, kind), page)
        location = response.get("Location", "") if response.status_code == 302 else ""
        if location.startswith("/portail/") and location not in seen:
            seen.add(location)
            queue.append(location)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        if forms is not None:
            for form in post_forms(html, page):
                known = forms.get(form_signature(form))
                if known is None or len(form.fields) < len(known[1].fields):  # the lighter of two alike
                    forms[form_signature(form)] = (page, form)
        for href in links(html, page):
            path = href.split("?")[0]
            if not path.startswith("/portail/") or path.endswith(FILES) or href in seen:
                continue
            try:
                name = resolve(path).view_name
            except Exception:  # noqa: BLE001, S112  (a link to nowhere: its own test's business)
                continue
            if name in LEAVE:
                found.setdefault((name, ()), path)
                continue
            seen.add(href)
            queue.append(href)
    return found


MEMBERS = ("scs", "asso2")
CONFIRMATIONS = ("portal_budgets:forecast_submit", "portal_budgets:actual_submit", "portal_indicators:report_submit")


def log_in(client, user):
    """``client`` logged in as ``user``, working for the first association they joined."""
    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = user.memberships.order_by("pk").first().beneficiary_id
    session.save()
    return client


@pytest.fixture(scope="module")
def portal(demo_once, django_db_blocker):
    """The pages and forms each of the demo's members reaches, and a visitor's: login, password
    reset (with a valid link for a member), an invitation. What the demo lacks is added: a second
    association for « asso2 » (the association picker shows only then), an agreement of « scs »
    whose advance may be requested (the payment request form), the actual budget of « asso2 »'s
    active agreement, as created from the portal (its pages, once the form to create it is met)."""
    with django_db_blocker.unblock():
        users = get_user_model().objects.in_bulk(MEMBERS, field_name="username")
        MembershipFactory(user=users["asso2"], beneficiary=users["scs"].memberships.get().beneficiary)
        payable = ConventionFactory(beneficiary=users["scs"].memberships.get().beneficiary, status=Status.ACTIVE,
                                    amount_granted=Decimal("66000"))
        balanced_forecast(payable, charges=Decimal("954123"))
        pages, forms = {}, {}
        for username, user in users.items():
            forms[username] = {}
            pages[username] = walk_portal(log_in(Client(), user), forms=forms[username])
        active = Convention.objects.filter(beneficiary__memberships__user=users["asso2"], status=Status.ACTIVE).first()
        actual_at_forecast(active, users["asso2"])
        for key, page in walk_portal(log_in(Client(), users["asso2"]), forms=forms["asso2"]).items():
            pages["asso2"].setdefault(key, page)
        # The confirmation pages are reached by posting « Déposer » / « Transmettre », not by a link:
        # opened here for every draft the members may deposit, so that their « Confirmer » is probed too.
        for username, user in users.items():
            for start in confirmation_pages(user):
                for key, page in walk_portal(log_in(Client(), user), start, limit=2, forms=forms[username]).items():
                    pages[username].setdefault(key, page)

        forms["visitor"] = {}
        visitor = walk_portal(Client(), "/portail/connexion/", forms=forms["visitor"])
        member = users["scs"]
        uid = urlsafe_base64_encode(force_bytes(member.pk))
        invitation = invitation_create(beneficiary=Beneficiary.objects.order_by("pk").first(),
                                       email="nouvelle.personne@example.org", site_url="http://testserver")
        visitor[("portal:password_reset_confirm", ())] = (
            f"/portail/mot-de-passe/nouveau/{uid}/{default_token_generator.make_token(member)}/")
        visitor[("portal:invitation_accept", ())] = f"/portail/invitation/{invitation.token}/"
        registration = registration_create(
            association=AssociationInput(name="Nouvelle association", siret="", rna="W139999999",
                                         address="1, rue Neuve", postal_code="13001", city="Marseille",
                                         representative_civility="Mme", representative_title="Présidente",
                                         representative_name="Inès NOUVEAU"),
            person=PersonInput(first_name="Inès", last_name="NOUVEAU", email="ines@nouvelle.invalid",
                               password="Une-inscription-2026"), site_url="http://testserver")
        visitor[("registration:activate", ())] = activation_link(registration.user, site_url="")
        for key in (("portal:password_reset_confirm", ()), ("portal:invitation_accept", ()),
                    ("registration:activate", ())):
            met = {}
            walk_portal(Client(), visitor[key], limit=3, forms=met)
            # Opened from its link: the password reset page keeps the link's token in the session.
            forms["visitor"].update({signature: (visitor[key], form) for signature, (_page, form) in met.items()})
        pages["visitor"] = visitor
        return pages, forms


def test_every_portal_form_is_reached_by_the_walk(portal):
    pages, forms = portal
    reached = {name for found in pages.values() for name, _kind in found}
    reached |= {signature[0] for found in forms.values() for signature in found}
    missing = portal_url_names_taking_post() - reached - set(NOT_IN_THE_DEMO)
    assert not missing, f"the walk of the portal never reaches {sorted(missing)}: link it, or add it here"
    confirmed = {signature[0] for found in forms.values() for signature in found}
    assert set(CONFIRMATIONS) <= confirmed, f"no « Confirmer » form met on {sorted(set(CONFIRMATIONS) - confirmed)}"


@pytest.mark.parametrize("who", [*MEMBERS, "visitor"])
def test_a_portal_form_refuses_hostile_input_without_a_server_error(client, demo_db, portal, who):
    if who != "visitor":
        log_in(client, get_user_model().objects.get(username=who))
    probe = Probe(client)
    for signature, (page, form) in sorted(portal[1][who].items()):
        if signature[0] in LEAVE:
            continue
        client.get(page)  # outside the probe's savepoints: what the page keeps in the session stays
        probe.get(page, "the page itself")
        probe.run(Target(page, form))
    probe.assert_clean()


def test_the_portal_pages_refuse_hostile_query_strings_without_a_server_error(client, demo_db, portal):
    log_in(client, get_user_model().objects.get(username="scs"))
    probe = Probe(client)
    for (name, _kind), page in sorted(portal[0]["scs"].items()):
        if name not in LEAVE:
            probe_page(probe, client, page.split("?")[0])
    probe.assert_clean()
