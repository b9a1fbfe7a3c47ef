"""Finance's background jobs (``jobs.registry``): the PDF of many payment requests at once."""

import io

from django.utils.translation import ngettext
from pypdf import PdfWriter

from finance.exports import payment_requests_for_export, payment_requests_pdf
from finance.models import PaymentRequest
from jobs.registry import JobOutput
from jobs.services import job_start

BATCH_PDF = "finance.payment_requests_pdf"
#: Requests rendered together: the progress moves at each chunk, and a chunk's memory is freed after it.
CHUNK = 20


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
    progress(0, len(requests))
    merged = PdfWriter()
    for start in range(0, len(requests), CHUNK):
        merged.append(io.BytesIO(payment_requests_pdf(requests[start:start + CHUNK])))
        progress(min(start + CHUNK, len(requests)), len(requests))
    out = io.BytesIO()
    merged.write(out)
    return JobOutput(content=out.getvalue(), name="demandes-de-versement.pdf")
