"""Background jobs (jobs/): the batch PDF of payment requests made by a job, its page and file for
its owner only, failures in French and « Relancer », idempotence, and two real workers on one queue."""

import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from conventions.models import Status
from core.roles import AGENT, FINANCE
from finance import jobs as finance_jobs
from finance.models import PaymentKind
from finance.services import payment_request_create
from jobs import registry
from jobs.models import Job, JobStatus
from jobs.services import UNEXPECTED, job_retry, job_run, job_start
from jobs.tasks import run_job
from tests.factories import ConventionFactory, MembershipFactory, balanced_forecast, staff_user
from tests.pdf_helpers import pdf_text


@pytest.fixture
def finance(db):
    user = staff_user("finance1", FINANCE)
    user.email = "finance1@metropole.invalid"
    user.save()
    return user


def advance_requests(count):
    requests = []
    for _ in range(count):
        convention = ConventionFactory(amount_granted=Decimal("10000"), status=Status.ACTIVE)
        balanced_forecast(convention, charges=Decimal("40000"))
        requests.append(payment_request_create(
            convention=convention, kind=PaymentKind.ADVANCE, user=MembershipFactory(beneficiary=convention.beneficiary).user,
            certified_by_name="Camille DURAND", certified_by_quality="Présidente"))
    return requests


def test_the_batch_pdf_is_a_job_whose_page_gives_the_file_and_whose_owner_is_told(
        client, finance, django_capture_on_commit_callbacks):
    requests = advance_requests(3)
    client.force_login(finance)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:finance_paymentrequest_changelist"),
                               {"action": "download_pdf", "_selected_action": [r.pk for r in requests]})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert (job.status, job.done, job.total, job.attempts, job.owner) == (JobStatus.DONE, 3, 3, 1, finance)

    page = client.get(response.url).content.decode()
    assert "PDF de 3 demandes de versement" in page and "Prêt." in page
    assert f'href="{reverse("jobs:file", args=[job.pk])}">Télécharger demandes-de-versement.pdf' in page
    download = client.get(reverse("jobs:file", args=[job.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="demandes-de-versement.pdf"'
    text = pdf_text(b"".join(download.streaming_content))
    for payment in requests:
        assert payment.convention.reference in text
    assert text.count("CADRE RÉSERVÉ AUX FINANCES") == 3  # one page per request
    assert "page 3 / 3" in text  # numbered across the whole file

    (email,) = mail.outbox
    assert email.to == ["finance1@metropole.invalid"] and email.subject == "Prêt : PDF de 3 demandes de versement"
    assert f"http://127.0.0.1:8000/admin/travaux/{job.pk}/" in email.body and "&#x27;" not in email.body
    assert "PDF de 3 demandes de versement" in client.get(reverse("jobs:list")).content.decode()


def test_a_job_is_seen_by_its_owner_only(client, finance):
    job = job_start(kind=finance_jobs.BATCH_PDF, owner=finance, label="PDF", params={"ids": []})
    colleague = staff_user("agent2", AGENT)
    client.force_login(colleague)
    for name in ("detail", "file"):
        assert client.get(reverse(f"jobs:{name}", args=[job.pk])).status_code == 404
    assert client.post(reverse("jobs:retry", args=[job.pk])).status_code == 404
    assert "aucun travail" in client.get(reverse("jobs:list")).content.decode()
    client.logout()
    assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == 302  # to the admin's login


@pytest.fixture
def flaky_kind():
    """A kind that fails as told by ``outcome``: a refusal, a crash, then success."""
    outcome = {"raise": ValidationError("La délibération n° 2026-12 n'est pas encore votée.")}

    def run(job, progress):
        progress(1, 4)
        if outcome["raise"]:
            raise outcome["raise"]
        return registry.JobOutput(content=b"ok", name="resultat.txt")

    registry.register("tests.flaky", run)
    yield outcome
    registry._KINDS.pop("tests.flaky")


def test_a_failure_is_told_in_french_and_the_job_can_be_retried(client, finance, flaky_kind,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(kind="tests.flaky", owner=finance, label="Annexe de la délibération")
    assert (job.status, job.error) == (JobStatus.FAILED, "La délibération n° 2026-12 n'est pas encore votée.")
    client.force_login(finance)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Échec." in page and "n&#x27;est pas encore votée" in page and ">Relancer</button>" in page
    assert mail.outbox[-1].subject == "Échec : Annexe de la délibération"

    flaky_kind["raise"] = RuntimeError("disque plein")  # an unexpected error: no technical text shown
    client.post(reverse("jobs:retry", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.error, job.attempts) == (JobStatus.FAILED, UNEXPECTED, 2)
    assert "disque plein" not in client.get(reverse("jobs:detail", args=[job.pk])).content.decode()

    flaky_kind["raise"] = None
    client.post(reverse("jobs:retry", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.error, job.attempts, job.result.read()) == (JobStatus.DONE, "", 3, b"ok")
    with pytest.raises(ValidationError, match="Seul un travail en échec peut être relancé"):
        job_retry(job=job, user=finance)


def test_a_job_already_done_or_claimed_is_not_run_again(finance, flaky_kind):
    flaky_kind["raise"] = None
    job = job_start(kind="tests.flaky", owner=finance, label="Annexe")
    first = job.result.name
    job_run(job.pk)  # a second delivery of the same task (a retry of the queue, another worker)
    job.refresh_from_db()
    assert (job.attempts, job.result.name) == (1, first)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    job_run(job.pk)  # claimed by another worker meanwhile
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.RUNNING, 1)


def test_an_unknown_kind_is_refused_before_anything_is_queued(finance):
    with pytest.raises(LookupError):
        job_start(kind="nothing.such", owner=finance, label="?")
    assert not Job.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the workers share the test database: PostgreSQL only "
                    "(SQLite's test database lives in this process's memory)")
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_queue_run_each_job_once():
    owner = staff_user("finance2", FINANCE)
    jobs = [Job.objects.create(kind=finance_jobs.BATCH_PDF, owner=owner, label=f"PDF {n}", params={"ids": [r.pk]})
            for n, r in enumerate(advance_requests(8))]  # a real page to render each: both workers get some
    for job in jobs:
        run_job.using(backend="database").enqueue(job.pk)
    db = connection.settings_dict
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    command = [sys.executable, "manage.py", "db_worker", "--backend", "database", "--batch", "--no-startup-delay",
               "--interval", "0.1"]
    workers = [subprocess.Popen([*command, "--worker-id", f"worker-{n}"], env=env) for n in (1, 2)]  # noqa: S603
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    assert set(Job.objects.values_list("status", "attempts")) == {(JobStatus.DONE, 1)}
    results = DBTaskResult.objects.filter(backend_name="database")
    assert results.count() == 8 and all(len(r.worker_ids) == 1 for r in results)
    assert {r.status for r in results} == {"SUCCESSFUL"}
    assert {r.worker_ids[0] for r in results} == {"worker-1", "worker-2"}
    assert all(job.result for job in Job.objects.all())


def test_the_same_job_asked_again_while_under_way_is_not_queued_twice(finance, monkeypatch):
    monkeypatch.setattr("jobs.services._enqueue", lambda job: None)  # left waiting, as in a queue no worker took yet
    first = job_start(kind=finance_jobs.BATCH_PDF, owner=finance, label="PDF", params={"ids": [1, 2]})
    again = job_start(kind=finance_jobs.BATCH_PDF, owner=finance, label="PDF", params={"ids": [1, 2]})
    other = job_start(kind=finance_jobs.BATCH_PDF, owner=finance, label="PDF", params={"ids": [3]})
    assert again == first != other and Job.objects.count() == 2
