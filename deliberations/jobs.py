"""The deliberations' background jobs (``jobs.registry``): the annex's PDF and the PDF of every letter
a vote sent (one per beneficiary: a deliberation voting hundreds of subsidies makes hundreds of pages)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.pdf import pdf_filename
from deliberations.annex import annex_pdf, annex_table
from deliberations.letters import letters_pdf, letters_queryset
from deliberations.models import Deliberation
from jobs.pdf import rendered_pdf
from jobs.registry import JobOutput
from jobs.services import job_start

ANNEX_PDF = "deliberations.annex_pdf"
LETTERS_PDF = "deliberations.letters_pdf"
def _name(deliberation: Deliberation) -> str:
    return deliberation.number or str(deliberation.pk)


def annex_pdf_start(*, deliberation: Deliberation, user):
    return job_start(kind=ANNEX_PDF, owner=user, params={"deliberation": deliberation.pk},
                     label=_("Annexe de la délibération %(name)s (PDF)") % {"name": _name(deliberation)})


def letters_pdf_start(*, deliberation: Deliberation, user):
    return job_start(kind=LETTERS_PDF, owner=user, params={"deliberation": deliberation.pk},
                     label=_("Lettres de la délibération %(name)s (PDF)") % {"name": _name(deliberation)})


def _deliberation(job) -> Deliberation:
    deliberation = Deliberation.objects.filter(pk=job.params["deliberation"]).first()
    if deliberation is None:
        raise ValidationError(_("Cette délibération n'existe plus."))
    return deliberation


def annex_pdf_run(job, progress) -> JobOutput:
    deliberation = _deliberation(job)
    progress(0, 1)
    content = annex_pdf(annex_table(deliberation))  # its refusals (ValidationError) are the job's, in French
    progress(1, 1)
    return JobOutput(content=content, name=pdf_filename("annexe-deliberation", _name(deliberation)))


def letters_pdf_run(job, progress) -> JobOutput:
    deliberation = _deliberation(job)
    letters = list(letters_queryset(deliberation.letters.all()))
    if not letters:
        raise ValidationError(_("Cette délibération n'a encore envoyé aucune lettre."))
    return JobOutput(content=rendered_pdf(letters, letters_pdf, progress),
                     name=pdf_filename("lettres-deliberation", _name(deliberation)))
