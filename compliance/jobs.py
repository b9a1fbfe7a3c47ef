"""Compliance's background jobs (``jobs.registry``): the open-data file of every signed agreement."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.opendata import scdl_export, scdl_filename, write_scdl_csv
from jobs.registry import JobOutput
from jobs.services import job_start

SCDL_CSV = "compliance.scdl_csv"


def scdl_csv_start(*, user):
    """Start the job making the SCDL 2.1.1 CSV (the same file as ``manage.py export_scdl``)."""
    return job_start(kind=SCDL_CSV, owner=user, label=_("Données ouvertes SCDL 2.1.1 (CSV)"),
                     params={"day": timezone.localdate().isoformat()})


def scdl_csv_run(job, progress) -> JobOutput:
    progress(0, 1)
    buffer = io.StringIO()
    write_scdl_csv(scdl_export(), buffer)
    progress(1, 1)
    return JobOutput(content=buffer.getvalue().encode("utf-8"), name=scdl_filename(timezone.localdate()))
