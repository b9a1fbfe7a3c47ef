"""Amendments (art. 9): signed from the admin, they change the effective amount; the agreement's PDF stays."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from conventions.models import Amendment, AmendmentStatus
from dossier.printing.amendment import amendment_pdf_missing, amendment_pdf_render
from finance.rules import schedule
from tests.pdf_helpers import pdf_text


def test_agent_signs_an_amendment_in_the_admin_and_the_amount_follows(client, demo):
    amendment = Amendment.objects.get(convention__reference="AMP-2026-CULT-PIM", number=1)
    Amendment.objects.filter(pk=amendment.pk).update(amount_change=Decimal("5000"))
    client.login(username="agent", password="demo")
    url = reverse("admin:conventions_amendment_sign", args=[amendment.pk])
    page = client.post(url, follow=True).content.decode()
    assert "suppose les deux dates de signature" in page
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.DRAFT
    assert schedule(amendment.convention).granted == Decimal("45000.00")

    Amendment.objects.filter(pk=amendment.pk).update(beneficiary_signed_on=date(2026, 9, 1), funder_signed_on=date(2026, 9, 8))
    page = client.post(url, follow=True).content.decode()
    assert "L&#x27;avenant est signé" in page
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.SIGNED and amendment.signed_pdf_sha256
    assert schedule(amendment.convention).granted == Decimal("50000.00")
    # Signing again is refused, nothing changes.
    assert "déjà signé" in client.post(url, follow=True).content.decode()


def test_the_amendment_pdf_starts_from_the_amount_in_force_before_it(amended_agreement):
    """Amendment n° 2 follows n° 1 (signed, 45 000 → 50 000): it raises 50 000 € to 51 000 €."""
    second = Amendment.objects.get(convention=amended_agreement, number=2)
    text = pdf_text(amendment_pdf_render(second))
    assert "attribuant une subvention de 45 000 €" in text  # what the agreement itself granted
    assert "Le montant de la subvention est augmenté de 1 000 € : il passe de 50 000 € à 51 000 €." in text
    assert "Fait à Marseille, en deux exemplaires originaux." in text  # the signature block shared with the agreement


@pytest.mark.parametrize("change, refused", [("-50000", False), ("-50000.01", True)])
def test_a_decrease_below_zero_of_the_amount_in_force_is_refused(amended_agreement, change, refused):
    second = Amendment.objects.get(convention=amended_agreement, number=2)
    second.amount_change = Decimal(change)
    assert ("La baisse du montant dépasse le montant attribué." in amendment_pdf_missing(second)) is refused
