"""Amendments (art. 9): signed from the admin, they change the effective amount; the agreement's PDF stays."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from conventions.models import Amendment, AmendmentStatus
from conventions.payments import schedule


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
