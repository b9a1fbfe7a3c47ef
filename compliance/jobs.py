"""Compliance's background jobs (``jobs.registry``): the open-data file of every signed agreement, the
day's reminders sent on a staff member's request (the same run as ``manage.py send_reminders``), and the
state of the whole portfolio the dashboard shows computed again (« Recalculer maintenant »)."""

import io
from datetime import date

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.opendata import scdl_export, scdl_filename, write_scdl_csv
from compliance.reminders import reminders_report, reminders_send
from compliance.snapshot import (
    STEPS,
    overdue_csv,
    overdue_csv_filename,
    snapshot_compute,
    snapshot_read,
)
from core.dates import french_date
from jobs.registry import JobOutput
from jobs.services import job_start

SCDL_CSV = "compliance.scdl_csv"
REMINDERS = "compliance.reminders"
SNAPSHOT = "compliance.snapshot"
#: Who may see the dashboard and the overdue items, and so compute them again: whoever reads agreements.
SNAPSHOT_PERMISSION = "conventions.view_convention"
#: Who may send the day's reminders from the overdue items' page: staff who manage agreements (agents), not
#: those who only read them (finance), although both see the overdue items.
REMINDERS_PERMISSION = "conventions.change_convention"


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


def reminders_start(*, user, today: date):
    """Start the job sending the reminders due on ``today`` (idempotent: what was sent is not sent again)."""
    return job_start(kind=REMINDERS, owner=user, label=_("Rappels du %(day)s") % {"day": french_date(today)},
                     params={"day": today.isoformat(), "return_url": reverse("staff:overdue"),
                             "return_label": _("Revenir aux échéances dépassées")})


def reminders_run(job, progress) -> JobOutput:
    """Send the reminders of the job's day; its file is the report ``send_reminders`` prints."""
    if not job.owner.has_perm(REMINDERS_PERMISSION):
        raise PermissionDenied
    today = date.fromisoformat(job.params["day"])
    progress(0, 1 + STEPS)
    run = reminders_send(today=today)
    progress(1, 1 + STEPS)
    # The documents owed were created: the pages' overdue items are computed again with them.
    snapshot_compute(user=job.owner, progress=lambda done, total: progress(1 + done, 1 + total))
    report = "".join(f"{line.text}\n" for line in reminders_report(run, today=today))
    return JobOutput(content=report.encode("utf-8"), name=f"rappels-{today.isoformat()}.txt")


def snapshot_start(*, user, return_url: str, return_label: str):
    """Start the job computing the overdue items, the dependency and the open-data summary again
    (``compliance.snapshot.snapshot_compute``); its page links back to ``return_url``."""
    return job_start(kind=SNAPSHOT, owner=user, label=_("Recalcul du tableau de bord et des échéances dépassées"),
                     params={"day": timezone.localdate().isoformat(), "return_url": return_url,
                             "return_label": return_label})


def snapshot_run(job, progress) -> JobOutput:
    """Compute and keep the snapshot; its file is the overdue items in CSV (``echeances-depassees-AAAA-MM-JJ.csv``)."""
    if not job.owner.has_perm(SNAPSHOT_PERMISSION):
        raise PermissionDenied
    snapshot = snapshot_read(snapshot_compute(user=job.owner, progress=progress))
    return JobOutput(content=overdue_csv(snapshot), name=overdue_csv_filename(snapshot.today))
