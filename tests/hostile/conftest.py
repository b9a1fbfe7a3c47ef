"""The demo of ``make run``, loaded once per module of the hostile suite.

Loading it takes about a second; the suite has dozens of tests, each of which only reads it
(every request it sends is rolled back), so each module loads it once in a transaction that
wraps its tests: each test runs in a savepoint of it (pytest-django's ``db``), and the whole is
rolled back when the module ends, leaving the database empty for the rest of the suite.
"""

import io
import logging
import sys

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


@pytest.fixture(scope="module")
def demo_once(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(DEBUG=True):
                call_command("seed_demo", stdout=io.StringIO())
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def demo_db(demo_once, db):
    """The demo, in a savepoint of this test."""


@pytest.fixture(autouse=True)
def _quiet_request_log():
    """The refusals this suite provokes are logged by Django as warnings: not worth reading."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)
