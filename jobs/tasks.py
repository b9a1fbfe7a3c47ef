"""The one task the workers run (Django's Tasks API, the ``django-tasks`` backport): a ``Job``."""

from django_tasks import task

from jobs.services import job_run


@task()
def run_job(job_id: int) -> None:
    job_run(job_id)
