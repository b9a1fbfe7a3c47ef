"""Audit trail and concurrent edits in the staff admin."""

from decimal import Decimal

from django.urls import reverse

from conventions.models import Convention

from .test_admin import _convention_post_data


def test_second_of_two_concurrent_saves_is_refused_and_keeps_the_input(client, demo):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    client.login(username="agent", password="demo")
    opened_at = convention.version
    # Somebody else saves first.
    other = client.__class__()
    other.login(username="admin", password="demo")
    first = other.post(url, _convention_post_data(convention, amount_granted="33000,00", seen_version=opened_at))
    assert first.status_code == 302
    # The agent's save, based on the version they opened, is refused.
    response = client.post(url, _convention_post_data(convention, amount_granted="35000,00", seen_version=opened_at))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Quelqu&#x27;un d&#x27;autre a enregistré cette fiche" in page
    assert 'value="35000,00"' in page  # what they typed is still there
    convention.refresh_from_db()
    assert convention.amount_granted == Decimal("33000.00") and convention.version == opened_at + 1


def test_history_shows_who_changed_what(client, demo):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    client.login(username="agent", password="demo")
    client.post(url, _convention_post_data(convention, amount_granted="34000,00", seen_version=convention.version))
    page = client.get(reverse("admin:conventions_convention_history", args=[convention.pk])).content.decode()
    assert ">agent</a>" in page
    assert "<strong>Montant attribué</strong> : 32\u202f000,00 → 34\u202f000,00</li>" in page  # French figures


def test_audit_records_cannot_be_reverted_or_edited(client, demo):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    record = convention.history.earliest()
    client.login(username="admin", password="demo")
    url = reverse("admin:conventions_convention_simple_history", args=[convention.pk, record.history_id])
    assert client.get(url).status_code == 200  # a past version can be read
    response = client.post(url, _convention_post_data(convention, amount_granted="1,00"))
    assert response.status_code == 403
    convention.refresh_from_db()
    assert convention.amount_granted == Decimal("32000.00")
