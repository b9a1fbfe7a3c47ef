"""axe-core on every page of the portal and of the staff admin, found from the URL configuration
(``tests/browser/page_walk.py``): no serious or critical violation anywhere.

Three walks in one browser: a visitor (the public pages), the members of the demo associations
(the portal), the administrator (the staff admin: every registered model's list, add and change
pages on the demo data, and every custom page linked from them). A URL pattern that no walk
reaches and that no list explains fails ``test_every_page_is_checked``, naming the pattern.
"""

import time

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import URLResolver, include, path, reverse
from django.urls.resolvers import RegexPattern
from django.views import View

from beneficiaries.models import Beneficiary, Membership
from conventions.models import Convention, Status
from finance.jobs import payment_requests_pdf_start
from finance.models import PaymentRequest
from messaging.models import Side
from messaging.services import message_post
from notices.models import Frequency
from notices.services import notice_preference_set
from tests.browser.conftest import axe_violations, describe
from tests.browser.page_walk import Walk, admin_address, unvisited, url_patterns
from tests.browser.test_portal_pages_axe import member_pages
from tests.demo_states import actual_at_forecast, confirmation_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Pages no link of the demo leads a visitor to: the token pages with a token no one holds.
PUBLIC_STARTS = [
    ("portal:login", {}), ("portal:accessibility", {}), ("portal:password_reset", {}),
    ("portal:password_reset_done", {}), ("portal:password_reset_complete", {}),
    ("portal:password_reset_confirm", {"uidb64": "MQ", "token": "faux-jeton"}),
    ("portal:invitation_accept", {"token": "inconnu"}),
    ("registration:register", {}), ("registration:sent", {}), ("registration:resend", {}),
    ("registration:activate", {"uidb64": "MQ", "token": "faux-jeton"}), ("admin:login", {}),
]
#: Custom admin pages with parameters other than the object: the values to visit them with.
ADMIN_PARAMETERS = {
    "admin:conventions_convention_transition": {"name": "refuse"},
}
#: Pages the demo reaches in no state, each tested by its own module meanwhile.
NOT_IN_THE_DEMO = {
    "admin:conventions_tranche_vote": "tests/test_multiyear.py",
    "admin:deliberations_deliberation_transmit": "tests/test_deliberations_admin.py",
    "admin:deliberations_deliberation_receipt": "tests/test_deliberations_admin.py",
    "admin:registration_registration_change": "tests/test_registration.py (no self-registration in the demo)",
}


def admin_starts() -> list[str]:
    convention = Convention.objects.order_by("pk").first()
    version = convention.history.order_by("history_id").first()  # a version of the audit trail (django-simple-history)
    starts = [reverse("admin:index"), reverse("admin:password_change_done"),
              reverse("staff_search:results") + "?q=jardins",  # the header's search form (GET)
              reverse("admin:conventions_convention_simple_history", args=[convention.pk, version.history_id])]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        starts += [reverse(f"{info}_changelist"), reverse(f"{info}_add")]
        starts += [a for a in [admin_address(f"{info}_change")] if a]
    for pattern in url_patterns():
        if pattern.key.startswith("admin:") and pattern.key not in NOT_IN_THE_DEMO:
            address = admin_address(pattern.key, ADMIN_PARAMETERS.get(pattern.key))
            if address and address not in starts:
                starts.append(address)
    return starts


def what_the_demo_lacks() -> dict[str, list[str]]:
    """Rows the demo leaves empty whose pages must be checked too: failed logins (django-axes), a user's
    choice of notices, a message, a job; the actual budget of « asso2 »'s active agreement, ready to deposit.
    Returns the members' pages no link reaches once those rows exist (the first visit of a pattern counts)."""
    AccessAttempt.objects.create(username="inconnu", ip_address="192.0.2.1", user_agent="Navigateur", http_accept="*/*",
                                 path_info="/portail/connexion/", get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(username="inconnu", ip_address="192.0.2.1", user_agent="Navigateur",
                                    http_accept="*/*", path_info="/portail/connexion/")
    AccessLog.objects.create(username="agent", ip_address="192.0.2.2", user_agent="Navigateur", http_accept="*/*",
                             path_info="/admin/login/")
    gardener = get_user_model().objects.get(username="asso2")
    notice_preference_set(user=gardener, frequency=Frequency.DAILY)
    active = Convention.objects.filter(beneficiary__memberships__user=gardener, status=Status.ACTIVE).first()
    message_post(convention=active, author=gardener, side=Side.ASSOCIATION, body="Notre bilan arrive la semaine prochaine.")
    actual_at_forecast(active, gardener)
    # A job of the administrator's (its page, listed under « Mes travaux »): the PDF of the payment requests.
    payment_requests_pdf_start(queryset=PaymentRequest.objects.all(), user=get_user_model().objects.get(username="admin"))
    return {"asso2": [reverse("portal_budgets:actual_import", args=[active.pk])]}


def log_in(page, url, username):
    page.context.clear_cookies()
    page.goto(url)
    page.fill("[name=username]", username)
    page.fill("[name=password]", "demo")
    page.click("[type=submit]")
    page.wait_for_load_state()


def test_every_page_is_checked(page, live_server, assert_accessible, demo_committed):
    reqe = get_user_model().objects.create_user("reqe", password="demo")  # noqa: S106 - the demo's password
    Membership.objects.create(user=reqe, beneficiary=Beneficiary.objects.get(acronym="REQE"))
    extra_starts = what_the_demo_lacks()

    violations = {}

    def check(page, label):
        found = axe_violations(page)
        if found:
            violations[label] = found

    started = time.monotonic()
    walk = Walk(page=page, base_url=live_server.url, check=check)
    # The visitor's walk stays on the portal: the admin's pages are checked logged in, not as the login they redirect to.
    walk.run([reverse(name, kwargs=kwargs) for name, kwargs in PUBLIC_STARTS], within=("portail/",))
    for username in ("scs", "asso2", "reqe"):
        log_in(page, live_server.url + reverse("portal:login"), username)
        user = get_user_model().objects.get(username=username)
        walk.run([*confirmation_pages(user), *extra_starts.get(username, []), *member_pages(username)],
                 within=("portail/",))
    log_in(page, live_server.url + reverse("admin:login"), "admin")
    walk.run(admin_starts(), within=("admin/",))
    seconds = time.monotonic() - started
    print(f"\naxe-core on {len(walk.visited)} pages in {seconds:.0f} s")

    assert walk.problems == [], "\n".join(walk.problems)
    missing = [m for m in unvisited(url_patterns(), walk.visited) if m.split(" ")[0] not in NOT_IN_THE_DEMO]
    assert missing == [], (
        "URL patterns no walk reaches: link them from a demo page, give them a visit rule "
        "(PUBLIC_STARTS, ADMIN_PARAMETERS, member_pages) or a reason (NOT_HTML, POST_ONLY, REDIRECTS "
        "in tests/browser/page_walk.py, NOT_IN_THE_DEMO here):\n" + "\n".join(missing))
    assert violations == {}, "axe-core:\n" + "\n".join(f"{label}\n{describe(v)}" for label, v in violations.items())


def test_the_coverage_check_names_a_pattern_no_walk_reaches():
    """A URL configuration with an unreached portal page and a skipped PDF: only the page is named."""
    fake = URLResolver(RegexPattern(r"^/"), [
        path("portail/", include(([
            path("<int:convention_pk>/nouvelle-page/", View.as_view(), name="brand_new"),
            path("<int:convention_pk>/versements/<int:pk>/pdf/", View.as_view(), name="payment_pdf"),
            path("", View.as_view(), name="home"),
        ], "portal_conventions"))),
    ])
    patterns = url_patterns(fake)
    assert [p.key for p in patterns] == ["portal_conventions:brand_new", "portal_conventions:payment_pdf",
                                         "portal_conventions:home"]
    assert unvisited(patterns, {"portal_conventions:home": "/portail/"}) == [
        "portal_conventions:brand_new (/portail/<int:convention_pk>/nouvelle-page/)"]
