"""Finance's background jobs (``jobs.registry``): the PDF of many payment requests at once."""

from django.utils.translation import ngettext

from finance.exports import payment_requests_for_export, payment_requests_pdf
from finance.models import PaymentRequest
from jobs import pdf
from jobs.registry import JobOutput
from jobs.services import job_start

BATCH_PDF = "finance.payment_requests_pdf"


def payment_requests_pdf_start(*, queryset, user):
    """Start the job making the PDF of the payment requests of ``queryset`` (one page each)."""
    ids = list(payment_requests_for_export(queryset).values_list("pk", flat=True))
    label = ngettext("PDF d'une demande de versement", "PDF de %(count)s demandes de versement", len(ids)) % {
        "count": len(ids)}
    return job_start(kind=BATCH_PDF, owner=user, label=label, params={"ids": ids})


def payment_requests_pdf_run(job, progress) -> JobOutput:
    ids = job.params["ids"]
    rows = {r.pk: r for r in payment_requests_for_export(PaymentRequest.objects.filter(pk__in=ids))}
    requests = [rows[pk] for pk in ids if pk in rows]  # the order of the selection, as exported
    return JobOutput(content=pdf.rendered_pdf(requests, payment_requests_pdf, progress),
                     name="demandes-de-versement.pdf")
