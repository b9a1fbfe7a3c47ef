"""Start, run and retry jobs (``jobs.models.Job``); the worker's task is ``jobs.tasks.run_job``.

A job is claimed by one update from « en attente » to « en cours »: a worker that finds it claimed,
finished or gone does nothing, so no job is run twice, whatever the number of workers.
"""

import logging
import uuid
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from beneficiaries.notify import absolute_url, send_text_email
from jobs.models import Job, JobStatus
from jobs.registry import runner

logger = logging.getLogger(__name__)

UNEXPECTED = ("Une erreur inattendue a interrompu le travail. Relancez-le ; si l'erreur revient, "
              "prévenez l'administrateur du site.")


def job_start(*, kind: str, owner, label: str, params: dict | None = None) -> Job:
    """Record a job of ``kind`` for ``owner`` and put it in the queue; return it (« en attente »).

    The same job asked again while it waits or runs (a second click, the page reloaded) is not
    queued twice: the one under way is returned.
    """
    runner(kind)  # an unknown kind fails here, in the request, not later in a worker
    params = params or {}
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
            status=JobStatus.QUEUED, error="", done=0, finished_at=None) == 0:
        raise ValidationError(_("Seul un travail en échec peut être relancé."), code="not_failed")
    _enqueue(job)
    job.refresh_from_db()
    return job


def _enqueue(job: Job) -> None:
    from jobs.tasks import run_job  # the task module imports this one

    run_job.enqueue(job.pk)


def job_run(job_id: int) -> None:
    """Run the job ``job_id`` if it is still waiting: its file is stored, or its failure recorded in French."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1)
    if not claimed:  # already run, being run by another worker, or deleted
        return
    job = Job.objects.get(pk=job_id)

    def progress(done: int, total: int) -> None:
        Job.objects.filter(pk=job.pk).update(done=done, total=total)

    try:
        output = runner(job.kind)(job, progress)
    except ValidationError as error:
        _finish(job, JobStatus.FAILED, error=" ".join(error.messages))
        return
    except PermissionDenied:
        _finish(job, JobStatus.FAILED, error=_("Vos droits ne permettent pas ce travail."))
        return
    except Exception:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobStatus.FAILED, error=UNEXPECTED)
        return
    job.result.save(f"{uuid.uuid4().hex}{PurePath(output.name).suffix}", ContentFile(output.content), save=False)
    job.result_name = output.name
    _finish(job, JobStatus.DONE)


def _finish(job: Job, status: str, *, error: str = "") -> None:
    job.refresh_from_db(fields=["done", "total"])
    job.status, job.error, job.finished_at = status, error, timezone.now()
    if status == JobStatus.DONE and job.total:
        job.done = job.total
    job.save(update_fields=["status", "error", "finished_at", "result", "result_name", "done"])
    if job.owner.email:
        send_text_email(template="jobs/emails/finished", recipients=[job.owner.email],
                        context={"job": job, "link": absolute_url(reverse("jobs:detail", args=[job.pk]))})


def jobs_of(user):
    """The jobs ``user`` started, newest first."""
    return Job.objects.filter(owner=user)
