"""Start, run, retry, reclaim and prune jobs (``jobs.models.Job``); the worker's task is ``jobs.tasks.run_job``.

A job is claimed by one update from « en attente » to « en cours »: a worker that finds it claimed,
finished or gone does nothing, so no job is run twice at once, whatever the number of workers.

The claim is a lease: the worker writes a heartbeat when it claims the job and at each step of its
progress. A running job whose heartbeat is older than ``JOBS_LEASE_SECONDS`` has lost its worker
(killed, machine stopped): ``jobs_reclaim`` puts it back in the queue, or marks it failed after
``JOBS_MAX_ATTEMPTS`` runs. Every write of a worker is conditional on the attempt it claimed, so a
worker that was only slow, and finishes after its job was reclaimed, changes nothing.
"""

import logging
import uuid
from datetime import datetime, timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db.models import Case, F, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.notify import absolute_url, send_text_email
from jobs.models import FINISHED, Job, JobStatus
from jobs.registry import runner

logger = logging.getLogger(__name__)

UNEXPECTED = ("Une erreur inattendue a interrompu le travail. Relancez-le ; si l'erreur revient, "
              "prévenez l'administrateur du site.")
INTERRUPTED = ("Le travail a été interrompu à plusieurs reprises (le serveur qui le faisait s'est arrêté). "
               "Relancez-le ; si cela se reproduit, prévenez l'administrateur du site.")


def job_start(*, kind: str, owner, label: str, params: dict | None = None) -> Job:
    """Record a job of ``kind`` for ``owner`` and put it in the queue; return it (« en attente »).

    The same job asked again while it waits or runs (a second click, the page reloaded) is not
    queued twice: the one under way is returned.
    """
    runner(kind)  # an unknown kind fails here, in the request, not later in a worker
    params = params or {}
    jobs_reclaim(owner=owner)  # a job whose worker died is not under way: re-queued, or failed
    under_way = Job.objects.filter(kind=kind, owner=owner, params=params,
                                   status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).first()
    if under_way is not None:
        return under_way
    job = Job.objects.create(kind=kind, owner=owner, label=label[:255], params=params)
    _enqueue(job)
    job.refresh_from_db()  # an immediate backend (the tests') has already run it
    return job


def job_retry(*, job: Job, user) -> Job:
    """Put a failed job of ``user``'s back in the queue: it starts over (kinds are idempotent)."""
    if job.owner_id != user.pk:
        raise PermissionDenied
    if Job.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
            status=JobStatus.QUEUED, error="", done=0, total=0, finished_at=None, heartbeat_at=None,
            retried_after=F("attempts")) == 0:
        raise ValidationError(_("Seul un travail en échec peut être relancé."), code="not_failed")
    _enqueue(job)
    job.refresh_from_db()
    return job


def _enqueue(job: Job) -> None:
    from jobs.tasks import run_job  # the task module imports this one

    run_job.enqueue(job.pk)


class Superseded(Exception):  # noqa: N818 (a state, not an error)
    """Raised by ``progress`` in a worker whose job was reclaimed and given to another attempt."""


def job_run(job_id: int) -> None:
    """Run the job ``job_id`` if it is still waiting: its file is stored, or its failure recorded in French."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1)
    if not claimed:  # already run, being run by another worker, or deleted
        return
    job = Job.objects.get(pk=job_id)
    attempt = job.attempts  # what every write of this run is conditional on

    def progress(done: int, total: int) -> None:
        if not _held(job, attempt).update(done=done, total=total, heartbeat_at=timezone.now()):
            raise Superseded

    try:
        output = runner(job.kind)(job, progress)
    except Superseded:
        logger.warning("Job %s (%s): attempt %s was reclaimed meanwhile; it stops, its work is dropped",
                       job.pk, job.kind, attempt)
        return
    except ValidationError as error:
        _finish(job, attempt, JobStatus.FAILED, error=" ".join(error.messages))
        return
    except PermissionDenied:
        _finish(job, attempt, JobStatus.FAILED, error=_("Vos droits ne permettent pas ce travail."))
        return
    except Exception:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _finish(job, attempt, JobStatus.FAILED, error=UNEXPECTED)
        return
    job.result.save(f"{uuid.uuid4().hex}{PurePath(output.name).suffix}", ContentFile(output.content), save=False)
    job.result_name = output.name
    _finish(job, attempt, JobStatus.DONE)


def _held(job: Job, attempt: int):
    """The job, if it is still run by the attempt ``attempt`` (not reclaimed since, nor finished)."""
    return Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=attempt)


def _finish(job: Job, attempt: int, status: str, *, error: str = "") -> None:
    now = timezone.now()
    done = Case(When(total__gt=0, then=F("total")), default=F("done")) if status == JobStatus.DONE else F("done")
    if not _held(job, attempt).update(status=status, error=error, finished_at=now, heartbeat_at=now,
                                      result=job.result.name or "", result_name=job.result_name, done=done):
        logger.warning("Job %s (%s): attempt %s finished after it was reclaimed; its outcome is dropped",
                       job.pk, job.kind, attempt)
        if job.result:
            job.result.delete(save=False)
        return
    # What the update wrote, read back; the owner already loaded stays (its email is sent next).
    job.refresh_from_db(fields=["status", "error", "finished_at", "heartbeat_at", "result", "result_name", "done"])
    _tell_owner(job)


def _tell_owner(job: Job) -> None:
    if job.owner.email:
        send_text_email(template="jobs/emails/finished", recipients=[job.owner.email],
                        context={"job": job, "link": absolute_url(reverse("jobs:detail", args=[job.pk]))})


def jobs_reclaim(*, now: datetime | None = None, owner=None) -> int:
    """Take back the running jobs (of ``owner``, or everyone's) whose worker gave no sign for longer
    than ``JOBS_LEASE_SECONDS``: each is put back in the queue, or marked failed once it has been run
    ``JOBS_MAX_ATTEMPTS`` times since it was started or relaunched. Return how many were taken back.

    Each job is taken back by one conditional update (still running the same attempt, still silent),
    so that two callers at once never both take it back.
    """
    now = now or timezone.now()
    lease = timedelta(seconds=settings.JOBS_LEASE_SECONDS)
    silent = Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=now - lease)
    if owner is not None:
        silent = silent.filter(owner=owner)
    reclaimed = 0
    for pk, attempts, retried_after in silent.values_list("pk", "attempts", "retried_after"):
        same = silent.filter(pk=pk, attempts=attempts)
        if attempts - retried_after < settings.JOBS_MAX_ATTEMPTS:
            if same.update(status=JobStatus.QUEUED, heartbeat_at=None, done=0, total=0):
                logger.warning("Job %s: attempt %s gave no sign for too long; queued again", pk, attempts)
                reclaimed += 1
                _enqueue(Job.objects.get(pk=pk))
        elif same.update(status=JobStatus.FAILED, error=INTERRUPTED, finished_at=now, heartbeat_at=now):
            logger.warning("Job %s: attempt %s gave no sign for too long, the last allowed; failed", pk, attempts)
            reclaimed += 1
            _tell_owner(Job.objects.get(pk=pk))
    return reclaimed


def jobs_prune(*, now: datetime | None = None) -> int:
    """Delete the jobs finished (ready or failed) more than ``JOBS_RETENTION_DAYS`` ago, and their
    files; return how many. A job whose file cannot be deleted is kept, to be pruned next time."""
    now = now or timezone.now()
    old = Job.objects.filter(status__in=FINISHED, finished_at__lt=now - timedelta(days=settings.JOBS_RETENTION_DAYS))
    pruned = []
    for job in old.only("pk", "result").iterator():
        if job.result:
            try:
                job.result.delete(save=False)
            except OSError:
                logger.exception("Job %s: its file %s could not be deleted; kept for now", job.pk, job.result.name)
                continue
        pruned.append(job.pk)
    deleted = 0
    for start in range(0, len(pruned), 500):
        deleted += Job.objects.filter(pk__in=pruned[start:start + 500]).delete()[1].get(Job._meta.label, 0)
    return deleted


def jobs_of(user):
    """The jobs ``user`` started, newest first."""
    return Job.objects.filter(owner=user)
