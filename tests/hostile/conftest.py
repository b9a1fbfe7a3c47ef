"""The hostile suite reads the demo of ``make run``, loaded once per module (``tests/conftest.py``)."""

import logging

import pytest


@pytest.fixture(scope="module")
def demo_once(demo_module):
    """The demo, loaded once for the module (``tests/conftest.py``'s ``demo_module``)."""


@pytest.fixture
def demo_db(demo):
    """The demo, in a savepoint of this test."""


@pytest.fixture(autouse=True)
def _quiet_request_log():
    """The refusals this suite provokes are logged by Django as warnings: not worth reading."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)
