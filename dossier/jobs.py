"""The agreement's background jobs (``jobs.registry``): the signature, which renders the final PDF and
freezes it with its SHA-256 (seconds of WeasyPrint), run by a worker rather than in the request."""

from django.urls import reverse
from django.utils.translation import gettext as _

from conventions.models import Convention
from dossier.actions import convention_sign
from jobs.registry import JobOutput
from jobs.services import job_start

SIGN = "dossier.sign"


def convention_sign_start(*, convention: Convention, user, comment: str = "", waive=(), waiver_reason: str = ""):
    """Start the signature of ``convention`` by ``user`` (the lifecycle's ``sign``, its checks included)."""
    return job_start(kind=SIGN, owner=user, label=_("Signature de la convention %(reference)s") % {
        "reference": convention.reference}, params={
        "convention": convention.pk, "comment": comment, "waive": list(waive), "waiver_reason": waiver_reason,
        "return_url": reverse("admin:conventions_convention_change", args=[convention.pk]),
        "return_label": _("Revenir à la convention %(reference)s") % {"reference": convention.reference}})


def convention_sign_run(job, progress) -> JobOutput:
    progress(0, 1)
    convention = convention_sign(convention=Convention.objects.get(pk=job.params["convention"]), user=job.owner,
                                 comment=job.params["comment"], waive=job.params["waive"],
                                 waiver_reason=job.params["waiver_reason"])
    convention.refresh_from_db()
    progress(1, 1)
    with convention.signed_pdf.open("rb") as signed:
        return JobOutput(content=signed.read(), name=f"convention-{convention.reference}-signee.pdf")
