"""The campaigns' dashboard and list: what was paid on the agreements drawn from a campaign, the envelope's
remainder of each campaign, each in a number of queries that does not grow with the campaigns."""

from decimal import Decimal as D

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigns.models import ApplicationStatus
from campaigns.rules import paid_by_campaign
from conventions.models import Tranche
from finance.models import PaymentKind, PaymentStatus
from tests.factories import (
    ApplicationFactory,
    CampaignFactory,
    ConventionFactory,
    PaymentRequestFactory,
)

pytestmark = pytest.mark.django_db


def granted_with_agreement(campaign, amount, **convention):
    agreement = ConventionFactory(amount_granted=D(amount), **convention)
    return ApplicationFactory(campaign=campaign, status=ApplicationStatus.GRANTED, proposed_amount=D(amount),
                              granted_amount=D(amount), convention=agreement)


@pytest.fixture
def superuser(client):
    user = get_user_model().objects.create_superuser("chef", "chef@example.invalid", "motdepasse-solide-42")
    client.force_login(user)
    return user


def test_paid_counts_the_paid_requests_of_the_agreements_drawn_from_the_campaigns_applications():
    campaign, other = CampaignFactory(), CampaignFactory()
    first = granted_with_agreement(campaign, "20000")
    second = granted_with_agreement(campaign, "15000")
    PaymentRequestFactory(convention=first.convention, kind=PaymentKind.ADVANCE, amount=D("16000"))
    PaymentRequestFactory(convention=first.convention, kind=PaymentKind.BALANCE, amount=D("3500.50"))
    # Asked or approved but not paid yet, or rejected: not paid.
    PaymentRequestFactory(convention=second.convention, kind=PaymentKind.ADVANCE, amount=D("12000"),
                          status=PaymentStatus.FINANCE_APPROVED, payment_order_number="", paid_on=None)
    PaymentRequestFactory(convention=second.convention, kind=PaymentKind.BALANCE, amount=D("3000"),
                          status=PaymentStatus.REJECTED, payment_order_number="", paid_on=None)
    # Another campaign's agreement, and an agreement typed by hand (no application): not this campaign's.
    PaymentRequestFactory(convention=granted_with_agreement(other, "9000").convention, amount=D("7200"))
    PaymentRequestFactory(convention=ConventionFactory(), amount=D("8000"))
    empty = CampaignFactory()
    assert paid_by_campaign([campaign, other, empty]) == {campaign.pk: D("19500.50"), other.pk: D("7200"),
                                                          empty.pk: D("0")}


def test_paid_counts_every_year_of_a_multi_year_agreement_drawn_from_the_campaign():
    campaign = CampaignFactory()
    application = granted_with_agreement(campaign, "30000", is_multiannual=True)
    agreement = application.convention
    first = Tranche.objects.create(convention=agreement, year=2025, amount=D("15000"))
    second = Tranche.objects.create(convention=agreement, year=2026, amount=D("15000"))
    PaymentRequestFactory(convention=agreement, tranche=first, kind=PaymentKind.ADVANCE, amount=D("12000"))
    PaymentRequestFactory(convention=agreement, tranche=second, kind=PaymentKind.ADVANCE, amount=D("12000"))
    assert paid_by_campaign([campaign]) == {campaign.pk: D("24000")}


def test_the_dashboard_shows_paid_in_its_table_and_chart_and_says_what_it_leaves_out(client, superuser):
    campaign = CampaignFactory(title="Cohésion sociale 2027")
    application = granted_with_agreement(campaign, "20000")
    PaymentRequestFactory(convention=application.convention, amount=D("16000"))
    ApplicationFactory(campaign=campaign, status=ApplicationStatus.GRANTED, proposed_amount=D("5000"),
                       granted_amount=D("5000"))  # notified by letter: no payment record
    content = client.get(reverse("admin:campaigns_dashboard")).content.decode()
    assert "Montants payés (versements mandatés)</th><td>16\u202f000\u00a0€" in content
    assert "Montants attribués par le vote</th><td>25\u202f000\u00a0€" in content
    assert "Cohésion sociale 2027 — payé" in content and ">Payé</th>" in content
    assert "Une subvention notifiée par lettre, sans convention, n'a pas de versement enregistré" in content


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dashboard_runs_the_same_queries_for_one_campaign_or_five(client, superuser):
    url = reverse("admin:campaigns_dashboard")
    application = granted_with_agreement(CampaignFactory(), "20000")
    PaymentRequestFactory(convention=application.convention)
    one = queries_of(client, url)
    for _n in range(4):
        application = granted_with_agreement(CampaignFactory(), "20000")
        PaymentRequestFactory(convention=application.convention)
        ApplicationFactory(campaign=application.campaign, status=ApplicationStatus.SUBMITTED)
    assert queries_of(client, url) == one
    assert one <= 8  # session, user, campaigns, applications by state, paid: nothing per campaign


def test_the_campaign_list_shows_each_remainder_in_the_same_queries_for_one_campaign_or_five(client, superuser):
    url = reverse("admin:campaigns_campaign_changelist")
    campaign = CampaignFactory(title="Campagne A", envelope=D("100000"))
    ApplicationFactory(campaign=campaign, status=ApplicationStatus.PROPOSED, proposed_amount=D("30000"))
    ApplicationFactory(campaign=campaign, status=ApplicationStatus.GRANTED, proposed_amount=D("99999"),
                       granted_amount=D("25000.50"))
    ApplicationFactory(campaign=campaign, status=ApplicationStatus.NOT_GRANTED, proposed_amount=D("7000"))
    one = queries_of(client, url)
    assert "44\u202f999,50\u00a0€" in client.get(url).content.decode()
    for n in range(4):
        other = CampaignFactory(envelope=D("50000"))
        ApplicationFactory(campaign=other, status=ApplicationStatus.PROPOSED, proposed_amount=D(1000 * (n + 1)))
    assert queries_of(client, url) == one
    content = client.get(url).content.decode()
    assert "46\u202f000\u00a0€" in content and "49\u202f000\u00a0€" in content
