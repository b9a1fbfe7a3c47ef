"""The daily digest: each user chooses to get the application's emails at once or gathered in
one email a day; the daily run sends each digest once, with every queued notice and its link."""

from html import unescape
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from core.roles import AGENT
from messaging.models import Side
from messaging.services import message_post
from notices.models import Frequency, NoticePreference, QueuedNotice
from notices.services import notice_preference_set
from tests.factories import ConventionFactory, FunderFactory, MembershipFactory, staff_user


@pytest.fixture
def convention(db):
    return ConventionFactory(reference="AMP-2025-DIG", funder=FunderFactory(email=""), beneficiary__email="")


@pytest.fixture
def member(convention):
    return MembershipFactory(beneficiary=convention.beneficiary).user


@pytest.fixture
def agent(db):
    return staff_user("agent-dig", AGENT)


def write(convention, agent, body, capture):
    with capture(execute=True):
        message_post(convention=convention, author=agent, side=Side.SERVICE, body=body)


def test_a_user_who_chose_immediately_gets_each_email_at_once(convention, member, agent,
                                                              django_capture_on_commit_callbacks):
    notice_preference_set(user=member, frequency=Frequency.IMMEDIATE)
    write(convention, agent, "Premier", django_capture_on_commit_callbacks)
    assert [email.to for email in mail.outbox] == [[member.email]]
    assert not QueuedNotice.objects.exists()


@override_settings(SITE_URL="https://conventions.example.fr")
def test_a_digest_user_gets_one_email_with_every_notice_and_its_link(convention, member, agent,
                                                                     django_capture_on_commit_callbacks):
    notice_preference_set(user=member, frequency=Frequency.DAILY)
    write(convention, agent, "Premier", django_capture_on_commit_callbacks)
    write(convention, agent, "Deuxième", django_capture_on_commit_callbacks)
    write(convention, agent, "Troisième", django_capture_on_commit_callbacks)
    assert not mail.outbox
    assert QueuedNotice.objects.filter(user=member, sent_at__isnull=True).count() == 3

    call_command("send_digest", stdout=StringIO())
    [digest] = mail.outbox
    assert digest.to == [member.email]
    assert digest.subject.startswith("Résumé du ") and digest.subject.endswith(" : 3 notifications")
    link = f"https://conventions.example.fr/portail/conventions/{convention.pk}/messages/"
    assert digest.body.count(link) == 3
    assert "1. Nouveau message du service instructeur — convention AMP-2025-DIG" in digest.body
    assert "3. Nouveau message du service instructeur" in digest.body
    assert "https://conventions.example.fr/portail/mes-notifications/" in digest.body
    assert "&#x27;" not in digest.body


def test_the_digest_is_sent_once_when_run_twice(convention, member, agent, django_capture_on_commit_callbacks):
    notice_preference_set(user=member, frequency=Frequency.DAILY)
    write(convention, agent, "Premier", django_capture_on_commit_callbacks)
    call_command("send_digest", stdout=StringIO())
    call_command("send_digest", stdout=StringIO())
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.endswith(" : 1 notification")
    assert not QueuedNotice.objects.filter(sent_at__isnull=True).exists()


def test_only_the_digest_users_address_waits(convention, member, agent, django_capture_on_commit_callbacks):
    colleague = MembershipFactory(beneficiary=convention.beneficiary).user
    notice_preference_set(user=member, frequency=Frequency.DAILY)
    write(convention, agent, "Premier", django_capture_on_commit_callbacks)
    assert [email.to for email in mail.outbox] == [[colleague.email]]
    assert QueuedNotice.objects.get().user == member


def test_a_rolled_back_email_is_not_queued(convention, member, agent):
    notice_preference_set(user=member, frequency=Frequency.DAILY)
    with pytest.raises(RuntimeError), transaction.atomic():
        message_post(convention=convention, author=agent, side=Side.SERVICE, body="Annulé")
        raise RuntimeError
    assert not QueuedNotice.objects.exists()


def test_the_preference_page_on_the_portal(client, member):
    client.force_login(member)
    home = unescape(client.get(reverse("portal:home")).content.decode())
    assert 'href="/portail/mes-notifications/"' in home
    url = reverse("portal:notifications")
    page = unescape(client.get(url).content.decode())
    assert "Un résumé par jour" in page and "Immédiatement" in page
    response = client.post(url, {"frequency": "daily"}, follow=True)
    assert "C'est noté : vous recevrez un résumé par jour." in unescape(response.content.decode())
    preference = NoticePreference.objects.get(user=member)
    assert preference.frequency == Frequency.DAILY
    assert preference.history.get().history_user == member
    refused = client.post(url, {"frequency": "weekly"})
    assert "Choisissez « immédiatement » ou « un résumé par jour »." in unescape(refused.content.decode())
    assert NoticePreference.objects.get(user=member).frequency == Frequency.DAILY


def test_staff_set_their_own_preference_in_the_admin(client, agent):
    client.force_login(agent)
    index = unescape(client.get(reverse("admin:index")).content.decode())
    assert "Mes notifications" in index
    response = client.post(reverse("admin:notices_preference_mine"), {"frequency": "daily"})
    assert response.status_code == 302
    assert NoticePreference.objects.get(user=agent).frequency == Frequency.DAILY
