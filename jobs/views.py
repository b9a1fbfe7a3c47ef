"""The staff's job pages, under /admin/travaux/: each person sees only the jobs they started (404 else).

Opening them first takes back the owner's jobs whose worker died (``jobs_reclaim``): a stuck job is
seen re-queued, or failed, without waiting for ``manage.py jobs_maintenance``."""

import mimetypes

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from jobs.models import JobStatus
from jobs.services import job_retry, jobs_of, jobs_reclaim


def _own_job(request, pk):
    return get_object_or_404(jobs_of(request.user), pk=pk)


def job_list(request):
    jobs_reclaim(owner=request.user)
    return TemplateResponse(request, "jobs/job_list.html", {
        **admin.site.each_context(request), "title": "Mes travaux en arrière-plan",
        "jobs": jobs_of(request.user)[:50]})


def job_detail(request, pk):
    jobs_reclaim(owner=request.user)
    job = _own_job(request, pk)
    if request.GET.get("format") == "json":  # read by jobs/job_progress.js while the job runs
        return JsonResponse({"status": job.status, "status_label": job.get_status_display(), "done": job.done,
                             "total": job.total, "percent": job.percent, "finished": job.is_finished})
    return TemplateResponse(request, "jobs/job_detail.html", {
        **admin.site.each_context(request), "title": job.label, "job": job})


def job_file(request, pk):
    job = _own_job(request, pk)
    if job.status != JobStatus.DONE or not job.result:
        raise Http404
    kind = mimetypes.guess_type(job.result_name)[0] or "application/octet-stream"
    response = FileResponse(job.result.open("rb"), as_attachment=True, filename=job.result_name,
                            content_type=f"{kind}; charset=utf-8" if kind.startswith("text/") else kind)
    response["Cache-Control"] = "private, no-store"  # like every PDF served (core.pdf.pdf_response)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
def job_retry_view(request, pk):
    job = _own_job(request, pk)
    try:
        job_retry(job=job, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(reverse("jobs:detail", args=[job.pk]))
