"""Tenant isolation cases: one entry per portal URL that takes an identifier.

``tests/test_portal_isolation.py`` walks the URL configuration and FAILS when a portal URL
(under /portail/) takes an identifier and has no case here: every new portal URL must prove
that a member of another association gets 404 with that association's identifiers.

Add a case with the decorator, next to the others of your app (or in a module of your own
named ``tests/portal_cases_<app>.py``: it is loaded automatically)::

    @isolation_case("portal_budgets:budget_edit")
    def _budget_edit(convention):
        budget = BudgetFactory(convention=convention)
        return {"convention_pk": convention.pk, "pk": budget.pk}

The function receives an agreement of the victim association, creates what the URL needs
(factories) and returns the URL's kwargs. The test then requests the URL (``method``) as a
member of ANOTHER association and expects 404, and as a member of the victim association and
expects anything but 404 (so the case proves something), and anonymously and expects the
login page. ``data`` (optional) builds the POST body from the kwargs.
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from documents.services import document_upload
from tests.factories import DocumentFactory
from tests.samples import pdf_bytes, upload


@dataclass(frozen=True)
class IsolationCase:
    url_name: str
    build: Callable
    method: str = "get"
    data: Callable | None = None


ISOLATION_CASES: dict[str, IsolationCase] = {}


def isolation_case(url_name: str, *, method: str = "get", data: Callable | None = None):
    """Register the kwargs builder of ``url_name``'s isolation case."""

    def register(build):
        if url_name in ISOLATION_CASES:
            raise ValueError(f"Two isolation cases for {url_name}")
        ISOLATION_CASES[url_name] = IsolationCase(url_name=url_name, build=build, method=method, data=data)
        return build

    return register


#: Portal URLs open to anonymous visitors. Their identifiers are secret tokens, not another
#: association's ids: each has its own tests (tests/test_portal_access.py).
PUBLIC_URLS = {
    "portal:login",
    "portal:accessibility",  # the accessibility statement: public, linked from every footer
    "portal:logout",  # POST only; logging out when logged out just shows the login page
    "portal:invitation_accept",
    "portal:password_reset",
    "portal:password_reset_done",
    "portal:password_reset_confirm",
    "portal:password_reset_complete",
    # Self-registration: a visitor with no account registers an association (tests/test_registration.py).
    "registration:register",
    "registration:sent",
    "registration:resend",
    "registration:activate",
    "registration:directory_lookup",  # JSON for the form's SIRET/RNA look-up, throttled (tests/test_directory.py)
}

#: Portal pages about the signed-in user themselves, without any identifier (their own settings):
#: nobody else's data can be reached through them. A forged form posted there is refused as bad
#: input (200, the form and its error), and saves nothing.
OWN_ACCOUNT_URLS = {
    "portal:notifications",  # « Mes notifications » (notices/views.py)
}


# -- conventions: documents (conventions/portal_documents.py) ---------------------------------

@isolation_case("portal_conventions:documents")
def _documents(convention):
    return {"convention_pk": convention.pk}


@isolation_case("portal_conventions:document_upload", method="post")
def _document_upload(convention):
    return {"convention_pk": convention.pk, "pk": DocumentFactory(convention=convention).pk}


@isolation_case("portal_conventions:document_file")
def _document_file(convention):
    document = DocumentFactory(convention=convention)
    document_upload(document=document, uploaded=upload("attestation.pdf", pdf_bytes()))
    return {"convention_pk": convention.pk, "pk": document.pk}


# -- other apps' modules: tests/portal_cases_<app>.py -----------------------------------------

def _load_app_modules() -> None:
    package = __name__.rsplit(".", 1)[0]
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name.startswith("portal_cases_"):
            importlib.import_module(f"{package}.{module.name}")


_load_app_modules()
