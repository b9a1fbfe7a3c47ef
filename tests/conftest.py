import sys
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from conventions.models import Amendment, AmendmentStatus, Convention
from demo.demo import SEED_REFERENCE
from tests.demo_snapshot import load_demo


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """The demo of ``make run``, loaded once for the tests of a module that read it.

    Seeded once per test process and copied back after (``tests/demo_snapshot.py``); a module's tests each run in a savepoint of the transaction that
    holds it (pytest-django's ``db``), so what one test writes is rolled back before the next,
    and the whole is rolled back when the module ends, leaving the database empty for the rest.
    ``pytest_collection_modifyitems`` runs a module's other tests before these.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            load_demo()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def demo(request, demo_module, db):
    """The demo data exactly as ``make run`` loads it, shared by the module's tests (``demo_module``)."""
    if _is_transactional(request.node):
        pytest.fail("a test that commits (transaction=True, live_server) reads the demo by `demo_committed`")


@pytest.fixture
def demo_committed(transactional_db):
    """The demo loaded for this test alone, committed: for tests that commit or flush (``transaction=True``)."""
    load_demo()


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(items):
    """In each module, the tests that share its demo (``demo_module``) run last: the others, run
    before the demo is loaded, find the database empty as they expect. Modules keep their order."""
    position = {}
    for index, item in enumerate(items):
        position.setdefault(item.module.__name__ if item.module else "", index)
    items.sort(key=lambda item: (position[item.module.__name__ if item.module else ""],
                                 "demo_module" in getattr(item, "fixturenames", ())))


@pytest.fixture
def seed_convention(demo):
    return Convention.objects.get(reference=SEED_REFERENCE)


@pytest.fixture
def agent_client(client, demo):
    client.login(username="agent", password="demo")
    return client


@pytest.fixture
def amended_agreement(demo):
    """The demo's signed agreement AMP-2026-CULT-PIM (45 000 €), its amendment n° 1 signed and
    raising it by 5 000 €, and a draft amendment n° 2 that would add 1 000 € (and must not count)."""
    convention = Convention.objects.get(reference="AMP-2026-CULT-PIM")
    Amendment.objects.filter(convention=convention, number=1).update(
        amount_change=Decimal("5000"), status=AmendmentStatus.SIGNED,
        beneficiary_signed_on=date(2026, 9, 1), funder_signed_on=date(2026, 9, 8),
    )
    Amendment.objects.create(convention=convention, number=2, subject="Séances supplémentaires",
                             text="Dix séances de plus.", amount_change=Decimal("1000"))
    return convention
