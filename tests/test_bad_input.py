"""Bad input is refused cleanly: forged or missing CSRF tokens, a dead or forged session, staff
acting beyond their role, oversized requests, absurd amounts. Each gets a French page (403, 400,
a redirection to the login page, or the form with its errors), never a server error, and the
database is left exactly as it was.

Covered elsewhere, not repeated here: a member of another association, on every portal URL and
with GET and POST (tests/test_portal_isolation.py); a document over DOCUMENT_MAX_UPLOAD_BYTES
kept in memory (tests/test_portal_documents.py); a negative amount in the portal budget form
(tests/test_budget_portal.py); the payment services' role guards (tests/test_payment_requests.py).
"""

import re
from decimal import Decimal
from html import unescape
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.crypto import get_random_string

from conventions.models import Convention, Status
from core.roles import AGENT, FINANCE
from documents.models import DocumentKind, DocumentStatus
from finance.models import PaymentKind, PaymentStatus
from finance.services import (
    payment_request_approve_as_finance,
    payment_request_approve_as_staff,
    payment_request_create,
)
from tests.db_state import changed_tables, database_state
from tests.factories import (
    BudgetFactory,
    ConventionFactory,
    DocumentFactory,
    MembershipFactory,
    add_balanced_lines,
    balanced_forecast,
    staff_user,
)
from tests.samples import image_bytes, upload
from tests.test_admin import _convention_post_data
from tests.test_budget_portal import field_name, form_data
from tests.test_csp import INLINE_SCRIPT, INLINE_STYLE

CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def text(response) -> str:
    return unescape(response.content.decode())


def csrf_token(response) -> str:
    return CSRF_TOKEN.search(response.content.decode()).group(1)


def csrf_client(user) -> Client:
    """A client that checks CSRF tokens as a browser's requests are checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def assert_french_error_page(response, status: int, *phrases: str):
    assert response.status_code == status
    page = text(response)
    for phrase in phrases:
        assert phrase in page
    assert '<html lang="fr">' in page
    # Never Django's English page or the raw reason, and no inline code (Content-Security-Policy).
    for english in ("CSRF", "Forbidden", "Bad Request", "Not Found", "Server Error"):
        assert english not in page
    assert not INLINE_SCRIPT.search(page) and not INLINE_STYLE.search(page)
    assert "unsafe-inline" not in response["Content-Security-Policy"]


# -- fixtures: one form of each kind, ready to be posted ---------------------------------------

@pytest.fixture
def treasurer(db):
    """A member of an association whose draft agreement has a forecast budget (10 000 €)."""
    membership = MembershipFactory()
    convention = ConventionFactory(beneficiary=membership.beneficiary, status=Status.DRAFT)
    forecast = add_balanced_lines(BudgetFactory(convention=convention))
    return membership.user, forecast


def budget_url(forecast) -> str:
    return reverse("portal_budgets:forecast", args=[forecast.convention_id])


@pytest.fixture
def staff_approved(db):
    """An advance request validated by the agent, waiting for the finance service."""
    convention = ConventionFactory(amount_granted=Decimal("66000"), status=Status.ACTIVE)
    balanced_forecast(convention, charges=Decimal("954123"))
    member = MembershipFactory(beneficiary=convention.beneficiary).user
    payment = payment_request_create(convention=convention, kind=PaymentKind.ADVANCE, user=member,
                                     certified_by_name="Camille DURAND", certified_by_quality="Présidente")
    return payment_request_approve_as_staff(request=payment, user=staff_user("agent1", AGENT))


def step_url(payment, step: str) -> str:
    return reverse("admin:finance_paymentrequest_step", args=[payment.pk, step])


FINANCE_APPROVAL = {"commitment_number": "EJ-2025-001", "budget_imputation": "65748"}
PAYMENT_ORDER = {"payment_order_number": "M-2025-001", "paid_on": "02/05/2025"}


# -- forged or missing CSRF tokens -------------------------------------------------------------

FORGERIES = ["no token", "forged token", "no cookie", "another site"]


def post_forged(client, url, data, forgery):
    """Open the form as a browser does, then post ``data`` the way ``forgery`` would."""
    token = csrf_token(client.get(url))
    headers = {}
    if forgery == "forged token":
        data = {**data, "csrfmiddlewaretoken": get_random_string(64)}
    elif forgery == "no cookie":
        data = {**data, "csrfmiddlewaretoken": token}
        del client.cookies[settings.CSRF_COOKIE_NAME]
    elif forgery == "another site":
        data = {**data, "csrfmiddlewaretoken": token}
        headers = {"Origin": "https://site-malveillant.example"}
    return client.post(url, data, headers=headers)


def assert_forgeries_refused(client, url, data):
    before = database_state()
    for forgery in FORGERIES:
        response = post_forged(client, url, data, forgery)
        assert response.status_code == 403, forgery
        assert_french_error_page(response, 403, "Formulaire refusé : rien n'a été enregistré",
                                 "Le formulaire envoyé a expiré, ou il ne provient pas de ce site.",
                                 "rechargez la page", "envoyez à nouveau le formulaire")
    assert changed_tables(before) == []


def post_with_token(client, url, data):
    return client.post(url, {**data, "csrfmiddlewaretoken": csrf_token(client.get(url))})


def test_a_portal_budget_posted_without_a_valid_csrf_token_is_refused_and_not_saved(treasurer):
    user, forecast = treasurer
    client = csrf_client(user)
    page = client.get(budget_url(forecast))
    data = form_data(page, **{field_name(page, "641", "Salaires"): "6 500,50", "action": "submit"})

    assert_forgeries_refused(client, budget_url(forecast), data)

    # The same form with its real token goes through: the token was the only thing wrong.
    assert post_with_token(client, budget_url(forecast), data).status_code == 302
    forecast.refresh_from_db()
    assert forecast.lines.get(label="Salaires").amount == Decimal("6500.50")


def test_an_agreement_posted_in_the_admin_without_a_valid_csrf_token_is_refused_and_not_saved(demo):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    client = csrf_client(staff_user("agent1", AGENT))
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    data = _convention_post_data(convention, amount_granted="99000,00", seen_version=convention.version)

    assert_forgeries_refused(client, url, data)

    assert post_with_token(client, url, data).status_code == 302
    convention.refresh_from_db()
    assert convention.amount_granted == Decimal("99000.00")


def test_a_finance_approval_without_a_valid_csrf_token_is_refused_and_not_saved(staff_approved):
    client = csrf_client(staff_user("finance1", FINANCE))
    url = step_url(staff_approved, "valider-finances")

    assert_forgeries_refused(client, url, FINANCE_APPROVAL)

    assert post_with_token(client, url, FINANCE_APPROVAL).status_code == 302
    staff_approved.refresh_from_db()
    assert staff_approved.status == PaymentStatus.FINANCE_APPROVED and staff_approved.commitment_number == "EJ-2025-001"


# -- a session that is not the user's own ------------------------------------------------------

@pytest.mark.parametrize("session", ["random value", "deleted session", "NUL character", "very long value"])
def test_a_forged_or_dead_session_cookie_is_an_anonymous_visitor(treasurer, staff_approved, session):
    """Each form, posted with a session cookie that is no live session of its user, goes nowhere but
    to the login page (a NUL character in the cookie used to be a server error on PostgreSQL)."""
    member, forecast = treasurer
    targets = [(member, budget_url(forecast), reverse("portal:login"), {"action": "submit"}),
               (staff_user("finance1", FINANCE), step_url(staff_approved, "valider-finances"), reverse("admin:login"),
                FINANCE_APPROVAL)]
    for user, url, login, data in targets:
        client = Client()
        if session == "deleted session":
            client.force_login(user)
            Session.objects.filter(session_key=client.session.session_key).delete()
        else:
            client.cookies[settings.SESSION_COOKIE_NAME] = {
                "random value": get_random_string(32), "NUL character": "abcdefgh\x00ijklmnop",
                "very long value": "a" * 5000}[session]
        before = database_state()

        for response in (client.get(url), client.post(url, data)):
            assert response.status_code == 302, url
            assert response["Location"].startswith(f"{login}?next="), url
        assert changed_tables(before) == []


@pytest.mark.parametrize("step, status, data", [
    ("valider-finances", PaymentStatus.STAFF_APPROVED, FINANCE_APPROVAL),
    ("mandater", PaymentStatus.FINANCE_APPROVED, PAYMENT_ORDER),
])
def test_an_agent_cannot_take_the_finance_steps_through_the_admin(client, staff_approved, step, status, data):
    if status == PaymentStatus.FINANCE_APPROVED:
        payment_request_approve_as_finance(request=staff_approved, user=staff_user("finance1", FINANCE),
                                           **FINANCE_APPROVAL)
    client.force_login(staff_user("agent2", AGENT))
    before = database_state()

    for response in (client.get(step_url(staff_approved, step)), client.post(step_url(staff_approved, step), data)):
        assert_french_error_page(response, 403, "Accès refusé", "Rien n'a été modifié.", "Espace des agents")
    assert changed_tables(before) == []
    staff_approved.refresh_from_db()
    assert staff_approved.status == status and staff_approved.payment_order_number == ""


def test_staff_who_may_only_read_payment_requests_cannot_even_open_the_rejection_form(client, staff_approved):
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    reader = UserFactory(username="lecteur", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_paymentrequest"))
    client.force_login(reader)
    before = database_state()

    change = client.get(reverse("admin:finance_paymentrequest_change", args=[staff_approved.pk]))
    assert change.status_code == 200 and step_url(staff_approved, "rejeter") not in change.content.decode()
    for response in (client.get(step_url(staff_approved, "rejeter")),
                     client.post(step_url(staff_approved, "rejeter"), {"reason": "Pièces manquantes"})):
        assert_french_error_page(response, 403, "Accès refusé")
    assert changed_tables(before) == []


def test_an_agent_opening_a_page_of_another_role_gets_the_french_403_page(client, db):
    client.force_login(staff_user("agent1", AGENT))
    response = client.get(reverse("admin:auth_user_changelist"))
    assert_french_error_page(response, 403, "Accès refusé", "Rien n'a été modifié.", "Espace des agents")


# -- oversized requests ------------------------------------------------------------------------

def padded_body(data: dict, extra_bytes: int) -> str:
    """``data`` form-encoded, plus one field making the body ``extra_bytes`` longer."""
    return urlencode(data, doseq=True) + "&commentaire=" + "x" * extra_bytes


def assert_too_large_page(response):
    assert_french_error_page(response, 400, "Requête invalide", "Rien n'a été enregistré.",
                             "le fichier ou le formulaire envoyé dépasse la taille autorisée")


@pytest.mark.parametrize("csrf_checked", [False, True], ids=["read by the view", "read by the CSRF check"])
def test_a_portal_form_body_over_the_size_limit_gets_the_french_400_page(treasurer, csrf_checked):
    user, forecast = treasurer
    client = Client(enforce_csrf_checks=csrf_checked)
    client.force_login(user)
    page = client.get(budget_url(forecast))
    data = form_data(page, **{field_name(page, "641", "Salaires"): "7 000", "action": "submit"})
    data["csrfmiddlewaretoken"] = csrf_token(page)
    before = database_state()

    response = client.post(budget_url(forecast), padded_body(data, settings.DATA_UPLOAD_MAX_MEMORY_SIZE),
                           content_type="application/x-www-form-urlencoded")

    assert_too_large_page(response)
    assert changed_tables(before) == []


def test_an_admin_form_over_the_size_limit_gets_the_french_400_page(demo):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    client = csrf_client(staff_user("agent1", AGENT))
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    data = _convention_post_data(convention, amount_granted="99000,00", seen_version=convention.version,
                                 preamble="x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    data["csrfmiddlewaretoken"] = csrf_token(client.get(url))
    before = database_state()

    response = client.post(url, data)  # multipart, as the admin's form is sent

    assert_too_large_page(response)
    assert changed_tables(before) == []


@pytest.mark.parametrize("throttling", [False, True], ids=["login throttling off", "login throttling on"])
def test_the_login_page_refuses_an_oversized_body_with_the_french_400_page(client, db, throttling):
    with override_settings(AXES_ENABLED=throttling):  # django-axes watches this page in production
        body = padded_body({"username": "a", "password": "b"}, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        response = client.post(reverse("portal:login"), body, content_type="application/x-www-form-urlencoded")
    assert_too_large_page(response)


def test_a_form_with_too_many_fields_gets_the_french_400_page(client, treasurer):
    user, forecast = treasurer
    client.force_login(user)
    page = client.get(budget_url(forecast))
    data = form_data(page, action="submit")
    data.update({f"champ{i}": "1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)})
    before = database_state()

    response = client.post(budget_url(forecast), urlencode(data), content_type="application/x-www-form-urlencoded")

    assert_french_error_page(response, 400, "Requête invalide", "le formulaire contient trop de champs")
    assert changed_tables(before) == []


@pytest.fixture
def document_slot(client, db):
    document = DocumentFactory(convention=ConventionFactory(), kind=DocumentKind.INSURANCE)
    client.force_login(MembershipFactory(beneficiary=document.convention.beneficiary).user)
    url = reverse("portal_conventions:document_upload", kwargs={"convention_pk": document.convention_id,
                                                                  "pk": document.pk})
    return document, url


def test_an_upload_with_too_many_files_gets_the_french_400_page(client, document_slot):
    document, url = document_slot
    files = [upload(f"page{i}.png", image_bytes(), "image/png") for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]
    before = database_state()

    response = client.post(url, {f"doc{document.pk}-file": files})

    assert_too_large_page(response)
    assert changed_tables(before) == []


@override_settings(DOCUMENT_MAX_UPLOAD_BYTES=4096, FILE_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_a_document_over_the_limit_written_to_a_temporary_file_is_refused_in_french(client, document_slot):
    """Above FILE_UPLOAD_MAX_MEMORY_SIZE the upload goes to a temporary file: still refused on its field."""
    document, url = document_slot
    before = database_state()

    response = client.post(url, {f"doc{document.pk}-file": upload("scan.png", image_bytes() + b"\x00" * 8192,
                                                                   "image/png")})

    assert response.status_code == 200
    page = text(response)
    assert "Ce fichier pèse" in page and "la limite est de 4\u00a0Ko" in page
    assert changed_tables(before) == []
    document.refresh_from_db()
    assert document.status == DocumentStatus.EXPECTED and not document.file


# -- absurd amounts in the portal budget form ---------------------------------------------------

@pytest.mark.parametrize("typed, message", [
    ("12abc", "« 12abc » n'est pas un montant valide (exemple attendu : 1 234,56)."),
    ("1e400", "« 1e400 » n'est pas un montant valide"),
    (str(10**20), f"Le montant « {10**20} » est trop élevé."),
    ("NaN", "« NaN » n'est pas un montant valide"),
])
def test_an_absurd_amount_is_refused_on_its_field_and_nothing_is_saved(client, treasurer, typed, message):
    user, forecast = treasurer
    client.force_login(user)
    page = client.get(budget_url(forecast))
    name = field_name(page, "613", "Loyer")
    before = database_state()

    response = client.post(budget_url(forecast), form_data(page, **{name: typed, "action": "submit"}))

    assert response.status_code == 200
    html = text(response)
    assert "Le formulaire contient des erreurs : rien n'a été enregistré." in html
    assert f"Montant — 613 Loyer : {message}" in html
    assert f'id="id_{name}-erreur"' in response.content.decode()
    assert changed_tables(before) == []
    assert forecast.lines.get(label="Loyer").amount == Decimal("4000")


# -- the error pages themselves ----------------------------------------------------------------

@pytest.mark.parametrize("username, links", [
    ("scs", ["Accueil du portail des associations"]),
    ("agent", ["Accueil du portail des associations", "Espace des agents"]),
])
@pytest.mark.parametrize("url", ["/portail/conventions/999999/versements/", "/admin/nulle-part/",
                                 "/nulle-part/"])
def test_an_unknown_address_gets_the_french_404_page_with_useful_links(client, demo, username, links, url):
    client.login(username=username, password="demo")
    response = client.get(url)
    if url.startswith("/admin/") and username == "scs":
        assert response.status_code == 302  # not staff: the admin asks to log in
        return
    assert_french_error_page(response, 404, "Page introuvable", *links)
    if username == "scs":
        assert "Espace des agents" not in text(response)


def test_an_anonymous_visitor_gets_the_404_page_with_the_login_link(client, db):
    assert_french_error_page(client.get("/nulle-part/"), 404, "Page introuvable",
                             "Se connecter au portail des associations")


def test_the_500_page_is_french_and_renders_without_request_or_database():
    """As Django renders it: no request, empty context; no ``db`` fixture, so a query would fail."""
    from django.template import loader

    page = loader.get_template("500.html").render()
    assert '<html lang="fr">' in page and "Erreur du serveur" in page
    assert "n'a pas été enregistré" in page and 'href="/portail/"' in page
    assert 'href="/static/css/portal.css"' in page
    assert not INLINE_SCRIPT.search(page) and not INLINE_STYLE.search(page)


def test_a_server_error_answers_the_french_500_page(client, db, monkeypatch):
    """A view that fails: the visitor reads the French page (the client re-raises by default)."""
    from dossier import views

    def broken(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(views.HomeView, "get", broken)
    client.raise_request_exception = False
    client.force_login(MembershipFactory().user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 500
    page = text(response)
    assert "Erreur du serveur" in page and "panne simulée" not in page and "RuntimeError" not in page


# -- NUL characters in URLs ------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["?status=%00", "?q=a%00b", "?%00=1"])
def test_a_nul_character_in_an_admin_list_filter_gets_the_french_400_page(client, demo, query):
    """PostgreSQL refuses NUL in any text: such a filter must not reach a query (it gave a 500)."""
    from django.contrib import admin

    client.login(username="admin", password="demo")
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") + query
        assert_french_error_page(client.get(url), 400, "Requête invalide")


def test_a_nul_character_in_a_url_gets_the_french_400_page(client, demo):
    client.login(username="admin", password="demo")
    assert_french_error_page(client.get("/admin/conventions/convention/1%00/change/"), 400, "Requête invalide")
    client.login(username="scs", password="demo")
    assert_french_error_page(client.get("/portail/?beneficiaire=%00"), 400, "Requête invalide")
