"""The admin's own pages (lifecycle transitions and their waivers, payment steps, budget import,
document review, amendment signature, invitations…), found by following the links and forms of
the demo's change pages: their forms get hostile values, their addresses hostile identifiers;
and the query strings of every list (search, filters, page, order) and of the staff's pages."""

from datetime import date
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from conventions.models import Status
from documents.models import Document, DocumentKind, DocumentStatus
from documents.services import document_upload
from documents.vault_services import vault_paper_upload
from dossier.lifecycle import TRANSITIONS
from finance.models import PaymentKind
from finance.services import (
    payment_request_approve_as_finance,
    payment_request_approve_as_staff,
    payment_request_create,
)
from messaging.models import Side
from messaging.services import message_post
from tests.factories import ConventionFactory, MembershipFactory, balanced_forecast
from tests.hostile import values as hv
from tests.hostile.harness import AGENT_RUN, Probe, Target, targets
from tests.hostile.html_forms import HtmlForm, links
from tests.hostile.query_strings import probe_page
from tests.samples import pdf_bytes, upload

#: The admin's own addresses that only answer a file: covered by their own tests, and here by the
#: hostile identifiers of their address (``test_an_admin_page_refuses_a_hostile_identifier``).
FILES = {"conventions_convention_pdf", "conventions_convention_executory_pdf", "conventions_amendment_pdf", "finance_paymentrequest_pdf",
         "finance_recovery_notice", "documents_document_file", "conventions_convention_message_attachment",
         "budgets_budget_export",
         "budgets_budget_export_year", "budgets_budget_template", "indicators_indicatorreport_export"}
TRANSITION = "conventions_convention_transition"
#: Pages the demo reaches in no state (its deliberation is voted and received, its multi-year agreement's
#: open year has a placeholder vote), each tested by its own module meanwhile.
NOT_IN_THE_DEMO = {
    "conventions_tranche_vote": "tests/test_multiyear.py",
    "deliberations_deliberation_transmit": "tests/test_deliberations_admin.py",
    "deliberations_deliberation_receipt": "tests/test_deliberations_admin.py",
    # Read by the association form's script (JSON), not linked; its refusals are tested there.
    "beneficiaries_beneficiary_directory": "tests/test_directory.py",
}
STANDARD = ("_changelist", "_add", "_history", "_delete", "_change", "_autocomplete")
#: Identifiers no object has, in the place of an object's.
HOSTILE_IDS = ["abc", "1.5", f"-{hv.HUGE_ID}", quote(hv.EMOJI)]


def custom_url_names() -> set[str]:
    """Every named address a ModelAdmin adds to Django's own ones."""
    return {pattern.name for model_admin in admin.site._registry.values() for pattern in model_admin.get_urls()
            if pattern.name and not pattern.name.endswith(STANDARD)}


def discover(client) -> dict[tuple, str]:
    """The admin's own pages linked from the demo's change pages and lists: one address per
    URL name and kind (the transition's name, the payment step…)."""
    custom = custom_url_names()
    found: dict[tuple, str] = {}
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages = [reverse(f"{info}_changelist")]
        if _has_own_pages(model, custom):
            pages += [reverse(f"{info}_change", args=[pk]) for pk in _one_per_state(model)]
        for page in pages:
            response = client.get(page)
            if response.status_code != 200:
                continue
            for href in links(response.content.decode(), page):
                try:
                    match = resolve(href.split("?")[0])
                except Resolver404:
                    continue
                if match.url_name in custom:
                    if match.url_name == TRANSITION:
                        for name in TRANSITIONS:  # every transition's page, where it is linked or not
                            found.setdefault((TRANSITION, (("name", name),)),
                                             reverse(f"admin:{TRANSITION}", args=[match.kwargs["object_id"], name]))
                    kind = tuple(sorted((k, v) for k, v in match.kwargs.items() if isinstance(v, str)
                                        and k not in ("object_id", "pk")))
                    found.setdefault((match.url_name, kind), href)
    return found


def _one_per_state(model) -> list:
    """A few objects of ``model``, one in each state when it has a ``status``: the pages of
    each state link to different actions."""
    objects = model._default_manager.order_by("pk")
    pks = list(objects.values_list("pk", flat=True)[:6])
    if any(field.name == "status" for field in model._meta.fields):
        for status in objects.values_list("status", flat=True).distinct():
            pks.append(objects.filter(status=status).values_list("pk", flat=True).first())
    return sorted(set(pks))


def _has_own_pages(model, custom) -> bool:
    prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
    return any(name.startswith(prefix) for name in custom) or model._meta.label == "conventions.Convention"


def _what_the_demo_lacks():
    """The demo has no document or permanent paper waiting for review, no message with an attachment
    and no payment request under way: one of each (the factories' agreements for the requests), so
    that their pages are reached too."""
    member = get_user_model().objects.get(username="scs")
    agent = get_user_model().objects.get(username="agent")
    document = Document.objects.filter(status=DocumentStatus.REJECTED).first()
    document_upload(document=document, uploaded=upload("attestation.pdf", pdf_bytes()), by=member)
    gardener = get_user_model().objects.get(username="asso2")  # a member of that document's association
    vault_paper_upload(beneficiary=document.convention.beneficiary, kind=DocumentKind.BOARD_LIST,
                       uploaded=upload("bureau.pdf", pdf_bytes()), valid_from=date(2026, 1, 10), by=gardener)
    message_post(convention=document.convention, author=gardener, side=Side.ASSOCIATION, body="Le bilan, ci-joint.",
                 files=[upload("bilan.pdf", pdf_bytes())])
    finance = get_user_model().objects.get(username="finance")
    for steps in range(3):  # one waiting for the agent, one for the finance service, one to be paid
        convention = ConventionFactory(amount_granted=Decimal("66000"), status=Status.ACTIVE)
        balanced_forecast(convention, charges=Decimal("954123"))
        payment = payment_request_create(convention=convention, kind=PaymentKind.ADVANCE,
                                         user=MembershipFactory(beneficiary=convention.beneficiary).user,
                                         certified_by_name="Camille DURAND", certified_by_quality="Présidente")
        if steps >= 1:
            payment = payment_request_approve_as_staff(request=payment, user=agent)
        if steps >= 2:
            payment_request_approve_as_finance(request=payment, user=finance, commitment_number="EJ-1",
                                               budget_imputation="65748")


@pytest.fixture(scope="module")
def own_pages(demo_once, django_db_blocker):
    client = Client()
    with django_db_blocker.unblock():
        _what_the_demo_lacks()
        client.force_login(get_user_model().objects.get(username="admin"))
        return discover(client)


def test_every_own_admin_page_is_reached_from_the_demo(own_pages):
    reached = {name for name, _kind in own_pages}
    missing = custom_url_names() - reached - FILES - set(NOT_IN_THE_DEMO)
    assert not missing, f"no page of the demo links to {sorted(missing)}: the hostile suite does not reach them"


@pytest.mark.parametrize("username", ["admin", "agent"])
def test_the_admin_own_pages_refuse_hostile_input_without_a_server_error(client, demo_db, own_pages, username):
    client.force_login(get_user_model().objects.get(username=username))
    probe = Probe(client)
    for (name, _kind), href in sorted(own_pages.items()):
        if name in FILES:
            continue
        response = probe.get(href, "the page itself")
        if response is None:
            continue
        if response.status_code == 200:
            for target in targets(client, href):
                probe.run(target, **({} if username == "admin" else AGENT_RUN))
        elif response.status_code in (302, 405):  # a button of a change page: posted, not opened
            probe.run(Target(href, _button(href)), rounds=2, examples=False)
    probe.assert_clean()


def test_an_admin_page_refuses_a_hostile_identifier(client, demo_db, own_pages):
    """Every own page, and the standard ones, with an identifier no object has in its address:
    a French 404 (or 400), never a server error."""
    client.force_login(get_user_model().objects.get(username="admin"))
    probe = Probe(client)
    own = set(own_pages.values())
    addresses = set(own)
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            addresses |= {reverse(f"{info}_change", args=[first]), reverse(f"{info}_history", args=[first]),
                          reverse(f"{info}_delete", args=[first])}
    for href in sorted(addresses):
        match = resolve(href)
        object_id = str(match.kwargs.get("object_id") or match.kwargs.get("pk") or "")
        if not object_id:
            continue
        for hostile in HOSTILE_IDS:
            forged = href.replace(f"/{object_id}/", f"/{hostile}/", 1)
            probe.get(forged, "GET")
            if href in own:
                probe.send(Target(forged, _button(forged)), {"comment": ["x"]}, "POST")
    probe.assert_clean()


def _button(action):
    """A form of no field: the button of a page that posts to ``action``."""
    return HtmlForm(action=action, fields=[], submits=[])


@pytest.mark.parametrize("username", ["admin", "agent"])
def test_the_admin_lists_refuse_hostile_query_strings_without_a_server_error(client, demo_db, username):
    client.force_login(get_user_model().objects.get(username=username))
    probe = Probe(client)
    pages = [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry]
    pages += [reverse("admin:index"), reverse("staff:dashboard"), reverse("staff:overdue"),
              reverse("admin:budgets_budget_export_year"), reverse("admin:indicators_indicatorreport_export"),
              reverse("staff:scdl_export")]
    for page in pages if username == "admin" else pages[::3]:
        probe_page(probe, client, page)
    probe.assert_clean()
