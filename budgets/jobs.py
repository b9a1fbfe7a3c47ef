"""The budgets' background jobs (``jobs.registry``): every budget line of a fiscal year, as a spreadsheet."""

from django.utils.translation import gettext as _

from budgets.exports import export_year
from jobs.registry import JobOutput
from jobs.services import job_start

YEAR_EXPORT = "budgets.year_export"


def year_export_start(*, year: int, fmt: str, user):
    return job_start(kind=YEAR_EXPORT, owner=user, params={"year": year, "format": fmt},
                     label=_("Budgets de l'exercice %(year)s (%(format)s)") % {"year": year, "format": fmt.upper()})


def year_export_run(job, progress) -> JobOutput:
    progress(0, 1)
    spreadsheet = export_year(job.params["year"], job.params["format"])
    progress(1, 1)
    return JobOutput(content=spreadsheet.content, name=spreadsheet.filename)
