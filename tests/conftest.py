import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from conventions.demo import SEED_REFERENCE
from conventions.models import Convention


@pytest.fixture
def demo(db):
    """Load the demo data exactly as ``make run`` does."""
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def seed_convention(demo):
    return Convention.objects.get(reference=SEED_REFERENCE)


@pytest.fixture
def agent_client(client, demo):
    client.login(username="agent", password="demo")
    return client
