from decimal import Decimal

import pytest
from django.urls import reverse

from conventions.models import Status
from finance.models import PaymentKind, PaymentRequest
from tests.factories import ConventionFactory, MembershipFactory, balanced_forecast
from tests.portal_confirm import confirm


@pytest.fixture
def active(db):
    convention = ConventionFactory(amount_granted=Decimal("30000"), status=Status.ACTIVE)
    balanced_forecast(convention, charges=Decimal("96000"))
    return convention


@pytest.fixture
def member_client(client, active):
    member = MembershipFactory(beneficiary=active.beneficiary, user__first_name="Nadia", user__last_name="BENALI").user
    client.force_login(member)
    return client


def test_member_sees_the_computed_advance_and_requests_it(member_client, active):
    url = reverse("portal_conventions:payments", args=[active.pk])
    page = member_client.get(url).content.decode()
    assert "24\u202f000\u00a0€" in page and "Nadia BENALI" in page
    assert "Le solde suppose les justificatifs" in page
    data = {"kind": "advance", "certified_by_name": "Nadia BENALI", "certified_by_quality": "Trésorière", "certify": "on"}
    response = confirm(member_client, member_client.post(url, data, follow=True))
    assert "Votre demande a été déposée" in response.content.decode()
    request = PaymentRequest.objects.get()
    assert request.amount == Decimal("24000.00") and request.kind == PaymentKind.ADVANCE
    # The same form posted twice: refused cleanly, still one request.
    response = member_client.post(url, {**data, "confirm": "1"}, follow=True)
    assert response.status_code == 200 and "existe déjà" in response.content.decode()
    assert PaymentRequest.objects.count() == 1
    pdf = member_client.get(reverse("portal_conventions:payment_pdf", args=[active.pk, request.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_certification_is_required_and_nothing_is_saved(member_client, active):
    url = reverse("portal_conventions:payments", args=[active.pk])
    response = member_client.post(url, {"kind": "advance", "certified_by_name": "", "certified_by_quality": ""})
    page = response.content.decode()
    assert "Cochez la case de certification" in page and "Ce champ est obligatoire" in page
    assert not PaymentRequest.objects.exists()


def test_a_payment_not_yet_allowed_is_refused_with_the_reason(member_client, active):
    active.status = Status.SIGNED
    active.save()
    url = reverse("portal_conventions:payments", args=[active.pk])
    assert "notifiée" in member_client.get(url).content.decode()
    data = {"kind": "advance", "certified_by_name": "N", "certified_by_quality": "T", "certify": "on"}
    response = member_client.post(url, data, follow=True)
    assert "signée par les deux parties et notifiée" in response.content.decode()
    assert not PaymentRequest.objects.exists()


def test_another_association_gets_404(client, active):
    outsider = MembershipFactory().user
    client.force_login(outsider)
    assert client.get(reverse("portal_conventions:payments", args=[active.pk])).status_code == 404
    request = PaymentRequest.objects.create(convention=active, kind="advance", amount=Decimal("1"), certified_by_name="x",
                                            certified_by_quality="y", certified_on="2025-01-01")
    assert client.get(reverse("portal_conventions:payment_pdf", args=[active.pk, request.pk])).status_code == 404


def test_home_says_the_advance_can_be_requested_until_it_is(member_client, active):
    from django.urls import reverse as r

    page = member_client.get(r("portal:home")).content.decode()
    assert "Acompte" in page and "Peut être demandé" in page
    data = {"kind": "advance", "certified_by_name": "N", "certified_by_quality": "T", "certify": "on", "confirm": "1"}
    member_client.post(reverse("portal_conventions:payments", args=[active.pk]), data)
    assert "Peut être demandé" not in member_client.get(r("portal:home")).content.decode()
