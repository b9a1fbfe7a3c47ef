"""Every page of the portal and of the staff admin, found from the URL configuration.

``url_patterns()`` lists every URL pattern under /portail/ and /admin/ (the walker of
``tests/test_portal_isolation.py``). ``Walk`` opens pages in one browser page, checks each
(axe-core, by the caller's ``check``) and follows its links to patterns not seen yet: one page
per pattern, whatever links to it, so that a page added tomorrow is checked as soon as a page
of the demo links to it. A pattern that no link reaches needs a rule here: a way to build its
address (``VISIT_RULES``), or a reason not to open it (``NOT_HTML``, ``POST_ONLY``,
``REDIRECTS``); ``unvisited()`` names those that have neither.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

from tests.test_portal_isolation import walk

PREFIXES = ("portail/", "admin/")

#: Patterns that answer a file, not a page: nothing for axe to read.
NOT_HTML = {
    # PDF downloads (agreement, amendment, payment request, recovery notice, letters, annexes).
    "portal_conventions:payment_pdf", "portal_conventions:signed_pdf", "portal_conventions:executory_pdf",
    "portal_conventions:amendment_signed_pdf", "portal_deliberations:letter_pdf",
    "admin:conventions_convention_pdf", "admin:conventions_convention_executory_pdf", "admin:conventions_amendment_pdf",
    "admin:finance_paymentrequest_pdf", "admin:finance_recovery_notice", "admin:deliberations_letter_pdf",
    # Spreadsheets and CSV (budget exports and templates, indicator export, deliberation annex, open data).
    "portal_budgets:forecast_export", "portal_budgets:actual_export", "portal_budgets:template",
    "admin:budgets_budget_export", "admin:budgets_budget_template",
    "admin:indicators_indicatorreport_export", "admin:deliberations_deliberation_annex_xlsx",
    # Stored files deposited by the associations, served as they are.
    "portal_conventions:document_file", "portal_campaigns:document_file", "admin:documents_document_file",
    "admin:campaigns_application_document",
    # The permanent papers of the associations' vaults (download and the staff's inline preview) and the
    # messages' attachments, served as they are.
    "portal_vault:file", "admin:documents_vaultpaper_file", "admin:documents_vaultpaper_preview",
    "portal_conventions:message_attachment", "admin:conventions_convention_message_attachment",
    # A background job's file (jobs/).
    "jobs:file",
    # The directory look-up's JSON, read by the association forms' script (admin and registration).
    "admin:beneficiaries_beneficiary_directory", "registration:directory_lookup",
    # Django's own: the admin's JavaScript catalogue and the autocomplete's JSON.
    "admin:jsi18n", "admin:autocomplete",
}

#: Patterns that take a POST only (a button's address; GET answers 405): the page that holds the
#: button is checked, and the page the POST leads to.
POST_ONLY = {
    "portal:logout", "admin:logout",
    "portal_conventions:renewal_budget_copy",  # « Partir du budget de l'année précédente »
    "portal_conventions:document_upload",  # a slot's « Déposer » on the documents page
    "portal_budgets:actual_create",  # « Créer le budget réalisé »
    "admin:documents_vaultpaper_accept",  # « Accepter le document » of a permanent paper's page
    "jobs:retry",  # « Relancer » of a failed job's page
    "admin:budgets_budget_validate", "admin:budgets_budget_return",
    "admin:documents_document_accept", "admin:documents_document_reject",
    "admin:finance_paymentrequest_step", "admin:campaigns_application_instruct",
    "admin:conventions_convention_prepare_clauses",  # « Préparer les articles »: a button of the change page
    "staff:snapshot_refresh",  # « Recalculer maintenant » of the dashboard and the overdue items' page
    "staff:reminders_send",  # « Envoyer les rappels du jour »: its confirmation page answers the POST
}

#: Patterns that only redirect: Django's « view on site », the addresses of models that moved app,
#: the admin's unnamed ``<id>/`` (to the change page) and its final catch-all.
REDIRECTS = {"admin:view_on_site",
             # A deliberation's annex and letters in PDF: a background job, then its page (jobs:detail).
             "admin:deliberations_deliberation_annex_pdf", "admin:deliberations_deliberation_letters",
             "staff:scdl_export", "admin:budgets_budget_export_year"}  # the open-data file, a year's budgets: jobs too
UNNAMED_REDIRECT = re.compile(r"^admin/(.*\(\?P<rest>\.\*\)\$|.*<path:object_id>/|\(\?P<url>\.\*\)\$)$")


@dataclass(frozen=True)
class Pattern:
    key: str  # the namespaced name, or the route of an unnamed pattern
    route: str


def url_patterns(resolver=None) -> list[Pattern]:
    found = []
    for route, name in walk(resolver):
        route = route.lstrip("^").replace("^", "")
        if route.startswith(PREFIXES):
            found.append(Pattern(key=name or route, route=route))
    return found


def key_of(path: str) -> str | None:
    """The pattern an address resolves to (its key), None outside the site."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name if match.url_name else None


def is_skipped(pattern: Pattern) -> bool:
    return (pattern.key in NOT_HTML or pattern.key in POST_ONLY or pattern.key in REDIRECTS
            or bool(UNNAMED_REDIRECT.match(pattern.key)))


@dataclass
class Walk:
    """Open pages in ``page`` (a Playwright page, logged in as needed), check each with
    ``check(page, label)``, follow their links to patterns not seen yet."""

    page: object
    base_url: str
    check: Callable
    #: Addresses a pattern needs to be visited at, built when no link reaches it.
    visited: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def run(self, starts: list[str], *, within: tuple[str, ...] = PREFIXES):
        queue, queued = list(starts), set()
        while queue:
            path = queue.pop(0)
            key = covered_key(key_of(path))
            if key is None or key in self.visited or key in NOT_HTML or key in POST_ONLY or key in REDIRECTS:
                continue
            self.visited[key] = path
            try:
                response = self.page.goto(self.base_url + path)
            except Exception as error:  # Chromium shows no page for an empty error answer (a 405)
                self.problems.append(f"{key} ({path}): no page ({str(error).splitlines()[0]}): "
                                     "add it to POST_ONLY or NOT_HTML")
                continue
            kind = response.headers.get("content-type", "") if response else ""
            if response is None or "text/html" not in kind:
                self.problems.append(f"{key} ({path}): answers {kind or 'nothing'}, not a page: add it to NOT_HTML")
                continue
            if response.status == 405:
                self.problems.append(f"{key} ({path}): takes no GET: add it to POST_ONLY")
                continue
            self.check(self.page, f"{key} ({path}, {response.status})")
            for href in self.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
                parts = urlsplit(href)
                if parts.netloc != urlsplit(self.base_url).netloc or not parts.path.lstrip("/").startswith(within):
                    continue
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                target_key = covered_key(key_of(target))
                if target_key not in self.visited and target_key not in queued:
                    queued.add(target_key)
                    queue.append(target)


def unvisited(patterns: list[Pattern], visited: dict[str, str]) -> list[str]:
    """The patterns neither visited nor skipped for a reason, with their route."""
    return [f"{p.key} (/{p.route})" for p in patterns if covered_key(p.key) not in visited and not is_skipped(p)]


#: Django's own pages, one template for every model (its history, its delete confirmation):
#: checked once, on the first model that reaches them, not for each of the models.
ONE_FOR_EVERY_MODEL = re.compile(r"^admin:[a-z]+_[a-z]+_(history|delete|simple_history)$")


def covered_key(key: str | None) -> str | None:
    """The key under which a visit counts: one for all the models' history pages, etc."""
    match = ONE_FOR_EVERY_MODEL.match(key or "")
    if match:
        return f"admin:*_{match.group(1)}"
    return key


def admin_address(key: str, parameters: dict | None = None) -> str | None:
    """The address of an admin pattern ``admin:<app>_<model>_<view>`` on the first object of its
    model, ``parameters`` giving the others: None when the model has no object."""
    from django.contrib import admin
    from django.urls import NoReverseMatch, reverse

    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if key.startswith(prefix):
            first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            for kwargs in ({}, {"object_id": first}, {"pk": first}):
                if first is None and kwargs:
                    return None
                try:
                    return reverse(key, kwargs={**kwargs, **(parameters or {})})
                except NoReverseMatch:
                    continue
    return None
