"""The thread of messages of an agreement: the association and its instructing service write to
each other, attachments are bounded and private, each side sees what it has not read, the other
side is told by email with the link to the thread."""

from html import unescape

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.roles import AGENT
from messaging.models import MAX_ATTACHMENTS, Message, Side
from messaging.services import message_post
from tests.factories import (
    ConventionFactory,
    FunderFactory,
    MembershipFactory,
    UserFactory,
    staff_user,
)
from tests.samples import pdf_bytes, upload


def text(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def convention(db):
    funder = FunderFactory(email="instruction@metropole.invalid")
    return ConventionFactory(reference="AMP-2025-MSG", funder=funder,
                             beneficiary__name="L'Atelier <Arts> & Cie", beneficiary__email="contact@atelier.invalid")


@pytest.fixture
def member(convention):
    return MembershipFactory(beneficiary=convention.beneficiary, user__first_name="Camille",
                             user__last_name="Durand").user


@pytest.fixture
def agent(db):
    return staff_user("agent-msg", AGENT)


def portal_url(convention):
    return reverse("portal_conventions:messages", kwargs={"convention_pk": convention.pk})


def admin_url(convention):
    return reverse("admin:conventions_convention_messages", args=[convention.pk])


def test_the_thread_both_ways_oldest_first_with_an_attachment(client, convention, member, agent,
                                                                django_capture_on_commit_callbacks):
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(portal_url(convention), {"body": "Pouvons-nous décaler l'AG ?",
                                                        "attachments": [upload("ordre du jour.pdf", pdf_bytes())]})
    assert response.status_code == 302
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(admin_url(convention), {"body": "Oui, jusqu'au 30 juin."})
    assert response.status_code == 302

    assert list(Message.objects.values_list("side", flat=True).order_by("created_at", "pk")) == [
        Side.ASSOCIATION, Side.SERVICE]
    client.force_login(member)
    page = text(client.get(portal_url(convention)))
    assert page.index("Pouvons-nous décaler l'AG ?") < page.index("Oui, jusqu'au 30 juin.")
    attachment = Message.objects.get(side=Side.ASSOCIATION).attachments.get()
    assert "ordre du jour.pdf" in page
    download = client.get(reverse("portal_conventions:message_attachment",
                                  kwargs={"convention_pk": convention.pk, "pk": attachment.pk}))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    client.force_login(agent)
    admin_download = client.get(reverse("admin:conventions_convention_message_attachment",
                                        args=[convention.pk, attachment.pk]))
    assert admin_download.status_code == 200


def test_a_message_sent_is_audited(convention, member):
    message = message_post(convention=convention, author=member, side=Side.ASSOCIATION, body="Bonjour")
    record = message.history.get()
    assert record.history_user == member and record.convention_id == convention.pk
    assert record.history_date is not None and record.history_change_reason == "Message envoyé"


@override_settings(DOCUMENT_MAX_UPLOAD_BYTES=1000)
def test_an_attachment_too_big_is_refused_and_nothing_is_sent(client, convention, member):
    client.force_login(member)
    response = client.post(portal_url(convention), {"body": "Le rapport est joint.",
                                                    "attachments": [upload("rapport.pdf", pdf_bytes(pages=30))]})
    assert response.status_code == 200
    page = text(response)
    assert "« rapport.pdf » : Ce fichier pèse" in page and "la limite est de 1\u00a0Ko" in page
    assert "Le rapport est joint." in page  # what was typed is kept
    assert not Message.objects.exists() and not mail.outbox


def test_too_many_attachments_are_refused(client, convention, member):
    client.force_login(member)
    files = [upload(f"piece-{n}.pdf", pdf_bytes()) for n in range(MAX_ATTACHMENTS + 1)]
    response = client.post(portal_url(convention), {"body": "Tout est là.", "attachments": files})
    assert response.status_code == 200
    assert f"Vous avez joint {MAX_ATTACHMENTS + 1} fichiers : {MAX_ATTACHMENTS} au plus par message." in text(response)
    assert not Message.objects.exists()


def test_an_empty_or_too_long_message_is_refused(convention, member):
    with pytest.raises(ValidationError, match="Écrivez votre message"):
        message_post(convention=convention, author=member, side=Side.ASSOCIATION, body="   ")
    with pytest.raises(ValidationError, match="la limite est de 5000"):
        message_post(convention=convention, author=member, side=Side.ASSOCIATION, body="x" * 5001)


def test_unread_counts_on_each_side(client, convention, member, agent):
    message_post(convention=convention, author=agent, side=Side.SERVICE, body="Merci de compléter.")
    message_post(convention=convention, author=agent, side=Side.SERVICE, body="Relance.")
    client.force_login(member)
    detail = text(client.get(reverse("portal_conventions:detail", kwargs={"convention_pk": convention.pk})))
    assert "2 non lus" in detail
    assert text(client.get(portal_url(convention))).count("Non lu") == 2
    assert "non lu" not in text(client.get(reverse("portal_conventions:detail",
                                                   kwargs={"convention_pk": convention.pk})))

    message_post(convention=convention, author=member, side=Side.ASSOCIATION, body="C'est fait.")
    client.force_login(agent)
    change = text(client.get(reverse("admin:conventions_convention_change", args=[convention.pk])))
    assert "Messages (1 non lu)" in change
    changelist = text(client.get(reverse("admin:messaging_message_changelist") + "?lecture=non-lus"))
    assert "C'est fait." in changelist and "Relance." not in changelist
    client.get(admin_url(convention))
    changelist = text(client.get(reverse("admin:messaging_message_changelist") + "?lecture=non-lus"))
    assert "C'est fait." not in changelist


@override_settings(SITE_URL="https://conventions.example.fr")
def test_the_association_writes_the_service_and_staff_who_wrote_are_told(convention, member, agent,
                                                                         django_capture_on_commit_callbacks):
    other_agent = staff_user("agent-autre", AGENT)
    message_post(convention=convention, author=agent, side=Side.SERVICE, body="Bonjour")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message_post(convention=convention, author=member, side=Side.ASSOCIATION,
                     body="Nos comptes « 2024 » & l'AG <ordinaire>")
    [email] = mail.outbox
    assert email.to == ["instruction@metropole.invalid", agent.email]
    assert other_agent.email not in email.to
    assert email.subject == "Nouveau message de L'Atelier <Arts> & Cie — convention AMP-2025-MSG"
    assert "Nos comptes « 2024 » & l'AG <ordinaire>" in email.body and "&#x27;" not in email.body
    assert f"https://conventions.example.fr/admin/conventions/convention/{convention.pk}/messages/" in email.body


@override_settings(SITE_URL="https://conventions.example.fr")
def test_the_service_writes_the_association_recipients(convention, member, agent,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message_post(convention=convention, author=agent, side=Side.SERVICE, body="Il manque l'annexe <II>.")
    [email] = mail.outbox
    assert email.to == ["contact@atelier.invalid", member.email]
    assert "Il manque l'annexe <II>." in email.body
    assert f"https://conventions.example.fr/portail/conventions/{convention.pk}/messages/" in email.body


def test_another_association_gets_404(client, convention, member):
    message = message_post(convention=convention, author=member, side=Side.ASSOCIATION, body="Devis joint",
                           files=[upload("devis.pdf", pdf_bytes())])
    outsider = MembershipFactory().user
    client.force_login(outsider)
    assert client.get(portal_url(convention)).status_code == 404
    assert client.post(portal_url(convention), {"body": "Intrusion"}).status_code == 404
    own = ConventionFactory(beneficiary=outsider.memberships.get().beneficiary)
    url = reverse("portal_conventions:message_attachment",
                  kwargs={"convention_pk": own.pk, "pk": message.attachments.get().pk})
    assert client.get(url).status_code == 404
    assert Message.objects.count() == 1


def test_a_member_cannot_post_as_the_service(client, convention, member):
    member.is_staff = True
    member.save()
    with pytest.raises(ValidationError, match="vous ne pouvez pas lui répondre au nom du service instructeur"):
        message_post(convention=convention, author=member, side=Side.SERVICE, body="Validé !")
    with pytest.raises(ValidationError, match="Seuls les agents"):
        message_post(convention=convention, author=UserFactory(), side=Side.SERVICE, body="Validé !")
    with pytest.raises(ValidationError, match="Seuls les membres"):
        message_post(convention=convention, author=UserFactory(is_staff=True), side=Side.ASSOCIATION, body="Hum")
    assert not Message.objects.exists()


def test_the_thread_page_reads_in_few_queries(client, convention, member, agent, django_assert_max_num_queries):
    for n in range(8):
        message_post(convention=convention, author=agent if n % 2 else member,
                     side=Side.SERVICE if n % 2 else Side.ASSOCIATION, body=f"Message {n}",
                     files=[upload("p.pdf", pdf_bytes())])
    client.force_login(member)
    with django_assert_max_num_queries(12):
        assert client.get(portal_url(convention)).status_code == 200


def test_an_empty_thread_says_what_to_do(client, convention, member):
    client.force_login(member)
    assert "Aucun message pour le moment." in text(client.get(portal_url(convention)))


def test_the_staff_list_of_messages_reads_in_a_flat_number_of_queries(client, convention, member, agent):
    url = reverse("admin:messaging_message_changelist")
    client.force_login(agent)

    def queries():
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    message_post(convention=convention, author=member, side=Side.ASSOCIATION, body="Un")
    before = queries()
    for n in range(10):
        other = ConventionFactory()
        message_post(convention=other, author=MembershipFactory(beneficiary=other.beneficiary).user,
                     side=Side.ASSOCIATION, body=f"Message {n}")
    assert queries() == before
