"""The day's reminders sent by staff from the overdue items' page: a confirmation first shows what would
go out (nothing sent), then a background job sends them and gives its report; never twice."""

import html
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from compliance.models import ReminderLog
from core.roles import AGENT, FINANCE
from documents.models import Document
from jobs.models import Job, JobStatus
from jobs.services import job_run
from tests.factories import UserFactory, staff_user
from tests.pdf_helpers import clean_private_files  # noqa: F401
from tests.test_reminders import owe, signed_convention

pytestmark = pytest.mark.usefixtures("clean_private_files")


@pytest.fixture
def overdue(db):
    """An agreement whose association owes its annual accounts since ten days ago."""
    convention = signed_convention()
    owe(convention, due_on=timezone.localdate() - timedelta(days=10))
    return convention


@pytest.fixture
def agent(client, db):
    user = staff_user("agent1", AGENT)
    client.force_login(user)
    return user


def send_url():
    return reverse("staff:reminders_send")


def confirm(client):
    return client.post(send_url(), {"confirm": "1", "day": timezone.localdate().isoformat()})


def job_report(client, job) -> str:
    download = client.get(reverse("jobs:file", args=[job.pk]))
    assert download["Content-Disposition"] == f'attachment; filename="rappels-{timezone.localdate().isoformat()}.txt"'
    return b"".join(download.streaming_content).decode("utf-8")


def test_the_overdue_page_offers_to_send_the_day_s_reminders(client, agent, overdue):
    page = client.get(reverse("staff:overdue")).content.decode()
    assert f'<form method="post" action="{send_url()}">' in page
    assert ">Envoyer les rappels du jour</button>" in page


def test_the_confirmation_lists_what_would_go_out_and_sends_nothing(client, agent, overdue):
    documents = Document.objects.count()
    response = client.post(send_url())
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert f"{overdue.reference} — {overdue.beneficiary.name} : 1 rappel(s) → contact@asso.invalid" in page
    assert "Courriels aux associations (1)" in page and "ne peuvent pas être repris" in page
    assert 'value="Confirmer l\'envoi"' in page
    assert mail.outbox == [] and not ReminderLog.objects.exists() and not Job.objects.exists()
    assert Document.objects.count() == documents  # the dry run kept nothing


def test_confirming_sends_the_reminders_in_a_job_whose_file_is_the_report_and_a_second_run_sends_nothing(
        client, agent, overdue):
    response = confirm(client)
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.owner == agent
    (reminder,) = mail.outbox
    assert reminder.to == ["contact@asso.invalid"]
    assert reminder.subject == f"Rappel : pièces à fournir pour la convention {overdue.reference}"
    page = client.get(response.url).content.decode()
    assert "Prêt." in page and f"Télécharger rappels-{timezone.localdate().isoformat()}.txt" in page
    assert "Revenir aux échéances dépassées" in page
    report = job_report(client, job)
    assert report.splitlines() == [
        f"Rappels du {timezone.localdate().isoformat()}",
        "Pièces attendues créées : 0",
        "Courriels envoyés aux associations : 1",
        f"  {overdue.reference} — {overdue.beneficiary.name} : 1 rappel(s) → contact@asso.invalid",
        "Associations sans courriel, signalées au service : 0",
        "Rappels sans aucun destinataire : 0",
        "Échecs de l'envoi, réessayés au prochain passage : 0",
    ]

    assert "Courriels aux associations (0)" in html.unescape(client.post(send_url()).content.decode())
    again = Job.objects.get(pk=confirm(client).url.rstrip("/").split("/")[-1])
    assert again != job and again.status == JobStatus.DONE
    assert len(mail.outbox) == 1 and ReminderLog.objects.count() == 1
    assert "Courriels envoyés aux associations : 0" in job_report(client, again)


def test_a_confirmation_from_the_day_before_shows_today_s_reminders_again(client, agent, overdue):
    response = client.post(send_url(), {"confirm": "1", "day": (timezone.localdate() - timedelta(days=1)).isoformat()})
    assert "La date a changé" in response.content.decode()
    assert mail.outbox == [] and not Job.objects.exists()


def test_who_may_not_follow_overdue_items_may_not_send_reminders(client, overdue):
    client.force_login(UserFactory(username="stagiaire", is_staff=True))  # staff, with no role
    assert client.post(send_url()).status_code == 403
    assert confirm(client).status_code == 403
    client.logout()
    assert confirm(client).status_code == 302 and not Job.objects.exists()  # to the admin's login
    client.force_login(UserFactory(username="membre"))  # not staff: the admin's login too
    assert confirm(client).status_code == 302
    assert mail.outbox == [] and not ReminderLog.objects.exists()


def test_finance_sees_the_overdue_items_but_may_not_send_reminders(client, overdue):
    client.force_login(staff_user("finance1", FINANCE))
    page = client.get(reverse("staff:overdue"))
    assert page.status_code == 200 and "Envoyer les rappels du jour" not in page.content.decode()
    assert confirm(client).status_code == 403
    assert mail.outbox == [] and not Job.objects.exists()


def test_the_job_refuses_an_owner_who_lost_the_right_meanwhile(overdue):
    owner = UserFactory(username="ancien", is_staff=True)
    job = Job.objects.create(kind="compliance.reminders", owner=owner, label="Rappels",
                             params={"day": timezone.localdate().isoformat()})
    job_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error) == (JobStatus.FAILED, "Vos droits ne permettent pas ce travail.")
    assert mail.outbox == []
