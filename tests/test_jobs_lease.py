"""A job whose worker died (jobs.services.jobs_reclaim): silent for longer than the lease, it is queued
again, and failed in French after the last attempt; a worker that was only slow changes nothing once
its job was taken back; finished jobs and their files are pruned (jobs_prune, manage.py jobs_maintenance)."""

import html
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from core.roles import FINANCE
from jobs import registry
from jobs.models import Job, JobStatus
from jobs.services import INTERRUPTED, job_retry, job_start, jobs_prune, jobs_reclaim
from tests.factories import staff_user
from tests.pdf_helpers import clean_private_files  # noqa: F401

pytestmark = pytest.mark.usefixtures("clean_private_files")

KIND = "tests.lease"
LEASE = timedelta(seconds=900)  # JOBS_LEASE_SECONDS, by default


@pytest.fixture
def owner(db):
    user = staff_user("finance1", FINANCE)
    user.email = "finance1@metropole.invalid"
    user.save()
    return user


@pytest.fixture
def kind():
    """A kind that makes « resultat.txt »; ``during`` is called in the middle of each run, as told."""
    calls = {"during": None, "after_progress": []}

    def run(job, progress):
        progress(1, 2)
        if calls["during"]:
            calls["during"](job)
        progress(2, 2)
        calls["after_progress"].append(job.attempts)
        return registry.JobOutput(content=f"essai {job.attempts}".encode(), name="resultat.txt")

    registry.register(KIND, run)
    yield calls
    registry._KINDS.pop(KIND)


def running(owner, *, silent_for, attempts=1, params=None):
    """A job « en cours » whose worker last gave a sign ``silent_for`` ago."""
    sign = timezone.now() - silent_for
    return Job.objects.create(kind=KIND, owner=owner, label="Export des budgets 2026", params=params or {},
                              status=JobStatus.RUNNING, attempts=attempts, done=3, total=10,
                              started_at=sign, heartbeat_at=sign)


def job_files() -> set[str]:
    """The names of the files in the jobs' folder of the private storage."""
    storage = Job._meta.get_field("result").storage
    return set(storage.listdir("jobs")[1]) if storage.exists("jobs") else set()


def test_a_job_whose_worker_died_is_queued_again_and_made_when_its_owner_opens_their_jobs(client, owner, kind):
    job = running(owner, silent_for=LEASE + timedelta(seconds=1))
    client.force_login(owner)
    page = client.get(reverse("jobs:list")).content.decode()  # the worker (here, at once) runs it again
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done, job.total) == (JobStatus.DONE, 2, 2, 2)
    assert job.result.read() == b"essai 2"
    assert "Export des budgets 2026" in page and "Prêt" in page and "En cours" not in page
    assert "Prêt." in client.get(reverse("jobs:detail", args=[job.pk])).content.decode()


def test_a_job_silent_for_less_than_the_lease_is_left_alone(owner, kind):
    job = running(owner, silent_for=LEASE - timedelta(seconds=5))
    assert jobs_reclaim() == 0
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done) == (JobStatus.RUNNING, 1, 3)
    assert jobs_reclaim(now=timezone.now() + timedelta(seconds=10)) == 1  # ten seconds later, it is over the lease
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)


def test_the_lazy_reclaim_takes_back_only_the_jobs_of_whoever_opens_the_page(client, owner, kind):
    colleague = staff_user("finance2", FINANCE)
    theirs = running(colleague, silent_for=LEASE * 2)
    client.force_login(owner)
    client.get(reverse("jobs:list"))
    theirs.refresh_from_db()
    assert theirs.status == JobStatus.RUNNING


def test_after_the_last_attempt_the_job_fails_in_french_and_can_be_relaunched(
        client, owner, kind, django_capture_on_commit_callbacks):
    job = running(owner, silent_for=LEASE * 2, attempts=3)  # JOBS_MAX_ATTEMPTS, by default
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        page = html.unescape(client.get(reverse("jobs:detail", args=[job.pk])).content.decode())
    job.refresh_from_db()
    assert (job.status, job.error, job.attempts) == (JobStatus.FAILED, INTERRUPTED, 3)
    assert ("Échec. Le travail a été interrompu à plusieurs reprises (le serveur qui le faisait s'est arrêté). "
            "Relancez-le ; si cela se reproduit, prévenez l'administrateur du site.") in " ".join(
        page.replace("<strong>", "").replace("</strong>", "").split())
    assert ">Relancer</button>" in page
    assert mail.outbox[-1].subject == "Échec : Export des budgets 2026"

    client.post(reverse("jobs:retry", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result.read()) == (JobStatus.DONE, 4, b"essai 4")


def test_a_relaunched_job_interrupted_again_is_queued_again_not_failed(owner, kind):
    job = running(owner, silent_for=LEASE * 2, attempts=3)
    jobs_reclaim()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    job_retry(job=job, user=owner)  # done at once, attempt 4
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now() - LEASE * 2)
    assert jobs_reclaim() == 1  # attempt 4 is the first since « Relancer »: queued again, attempt 5
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (JobStatus.DONE, 5, "")


def taken_back_and_claimed_by_another_worker(job, monkeypatch):
    """Another server finds this worker silent and queues the job again; a third worker claims it and
    is still at work (as ``job_run`` claims: « en cours », one more attempt, a fresh sign)."""
    monkeypatch.setattr("jobs.services._enqueue", lambda job: None)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - LEASE * 2)
    assert jobs_reclaim() == 1
    assert Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, attempts=F("attempts") + 1, heartbeat_at=timezone.now()) == 1


def test_a_slow_worker_whose_job_was_taken_back_stops_at_its_next_progress(owner, kind, monkeypatch):
    kind["during"] = lambda job: taken_back_and_claimed_by_another_worker(job, monkeypatch)
    before = job_files()
    job = job_start(kind=KIND, owner=owner, label="Export")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done, job.total) == (JobStatus.RUNNING, 2, 0, 0)  # attempt 2's, untouched
    assert kind["after_progress"] == [] and not job.result and job_files() == before


def test_a_late_outcome_of_a_taken_back_attempt_is_dropped_with_its_file(owner, monkeypatch):
    def run(job, progress):
        progress(0, 1)
        if job.attempts == 1:  # no progress after being taken back: it finishes, too late
            taken_back_and_claimed_by_another_worker(job, monkeypatch)
        return registry.JobOutput(content=b"en retard", name="resultat.txt")

    registry.register("tests.late", run)
    before = job_files()
    try:
        job = job_start(kind="tests.late", owner=owner, label="Export")
    finally:
        registry._KINDS.pop("tests.late")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result.name, job.finished_at) == (JobStatus.RUNNING, 2, "", None)
    assert job_files() == before  # the late file was deleted


def test_a_late_finish_leaves_the_file_of_the_attempt_that_ran_after_it(owner, kind):
    def taken_back(job):
        if job.attempts == 1:  # another server finds this worker silent; attempt 2 runs (here, at once) to its end
            Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - LEASE * 2)
            assert jobs_reclaim() == 1

    kind["during"] = taken_back
    before = job_files()
    job = job_start(kind=KIND, owner=owner, label="Export")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result.read()) == (JobStatus.DONE, 2, b"essai 2")
    assert kind["after_progress"] == [2]
    assert job_files() - before == {job.result.name.split("/")[-1]}


def test_asking_again_for_a_job_whose_worker_died_does_not_return_it_as_under_way(owner, kind, monkeypatch):
    dead = running(owner, silent_for=LEASE * 2, attempts=3, params={"year": 2026})
    job = job_start(kind=KIND, owner=owner, label="Export", params={"year": 2026})
    dead.refresh_from_db()
    assert job != dead and job.status == JobStatus.DONE and dead.status == JobStatus.FAILED

    monkeypatch.setattr("jobs.services._enqueue", lambda job: None)  # a queue no worker took from yet
    dead = running(owner, silent_for=LEASE * 2, attempts=1, params={"year": 2027})
    again = job_start(kind=KIND, owner=owner, label="Export", params={"year": 2027})
    assert again == dead and again.status == JobStatus.QUEUED  # queued again, for a live worker
    assert Job.objects.filter(params={"year": 2027}).count() == 1


def finished(owner, *, status, days_ago, file=True):
    job = Job.objects.create(kind=KIND, owner=owner, label=f"{status} il y a {days_ago} jours", status=status)
    if file:
        job.result.save("resultat.txt", ContentFile(b"contenu"), save=True)
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=days_ago))
    return job


def test_pruning_deletes_jobs_finished_before_the_retention_and_their_files(owner):
    old_done = finished(owner, status=JobStatus.DONE, days_ago=31)
    old_failed = finished(owner, status=JobStatus.FAILED, days_ago=31, file=False)
    recent = finished(owner, status=JobStatus.DONE, days_ago=29)
    waiting = Job.objects.create(kind=KIND, owner=owner, label="En attente")
    running_job = running(owner, silent_for=timedelta(seconds=1))
    Job.objects.filter(pk__in=[waiting.pk, running_job.pk]).update(created_at=timezone.now() - timedelta(days=90))
    storage = old_done.result.storage
    assert storage.exists(old_done.result.name)

    assert jobs_prune() == 2
    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk, running_job.pk}
    assert not Job.objects.filter(pk__in=[old_done.pk, old_failed.pk]).exists()
    assert not storage.exists(old_done.result.name) and storage.exists(recent.result.name)
    assert jobs_prune(now=timezone.now() + timedelta(days=2)) == 1  # two days later, the recent one is old too
    assert not storage.exists(recent.result.name)


def test_the_maintenance_command_says_what_it_did(owner, kind):
    stuck = running(owner, silent_for=LEASE * 2)
    finished(owner, status=JobStatus.DONE, days_ago=40)
    finished(owner, status=JobStatus.FAILED, days_ago=45, file=False)
    out = io.StringIO()
    call_command("jobs_maintenance", stdout=out)
    assert out.getvalue().splitlines() == [
        "Travaux interrompus (serveur arrêté), remis en attente ou mis en échec : 1",
        "Travaux terminés depuis plus de 30 jours supprimés, avec leurs fichiers : 2",
    ]
    stuck.refresh_from_db()
    assert stuck.status == JobStatus.DONE and Job.objects.count() == 1
