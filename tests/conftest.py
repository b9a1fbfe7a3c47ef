import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings

from conventions.models import Amendment, AmendmentStatus, Convention
from demo.demo import SEED_REFERENCE


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
