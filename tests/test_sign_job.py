"""Signing an agreement in the admin: the final PDF is rendered and frozen by a background job
(dossier.jobs). Finished at once, the admin answers as for any transition; still under way, the job's
page follows it, links back to the agreement and gives the signed PDF."""

import html

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.urls import reverse

from budgets.models import Budget
from conventions.models import Convention
from jobs.models import Job, JobStatus
from jobs.services import job_run
from tests.pdf_helpers import (  # noqa: F401
    clean_private_files,
    deliver_republican_commitment,
    pdf_text,
    record_vote_and_signatures,
)

pytestmark = pytest.mark.usefixtures("clean_private_files")


@pytest.fixture
def ready(seed_convention):
    """The seed, voted, both signatures recorded, the documents due before signature received."""
    convention = record_vote_and_signatures(seed_convention)
    Convention.objects.filter(pk=convention.pk).update(status="voted")
    deliver_republican_commitment(convention)
    return convention


@pytest.fixture
def agent_admin(client, demo):
    client.force_login(get_user_model().objects.get(username="agent"))
    return client


def sign_url(convention):
    return reverse("admin:conventions_convention_transition", args=[convention.pk, "sign"])


def test_signing_answers_like_any_transition_when_the_job_is_done_at_once(agent_admin, ready):
    response = agent_admin.post(sign_url(ready), {"comment": "Signée par les deux parties"}, follow=True)
    ready.refresh_from_db()
    assert ready.status == "signed" and len(ready.signed_pdf_sha256) == 64
    assert "La convention est maintenant à l'état « Signée »" in html.unescape(response.content.decode())
    job = Job.objects.get()
    assert (job.status, job.result_name) == (JobStatus.DONE, f"convention-{ready.reference}-signee.pdf")
    with job.result.open("rb") as made, ready.signed_pdf.open("rb") as frozen:
        assert made.read() == frozen.read()  # the job gives the very PDF frozen


def test_a_signature_refused_shows_its_reason_on_the_transition_page(agent_admin, ready):
    Budget.objects.filter(convention=ready).delete()
    response = agent_admin.post(sign_url(ready), {"comment": ""})
    assert response.status_code == 200
    assert "Le budget prévisionnel (annexe I) n&#x27;est pas saisi." in response.content.decode()
    ready.refresh_from_db()
    assert ready.status == "voted" and not ready.signed_pdf
    assert not Job.objects.exists()  # a refusal saves nothing, not even a failed job


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def test_a_signature_under_way_is_followed_on_its_page_then_gives_the_signed_pdf(agent_admin, ready):
    response = agent_admin.post(sign_url(ready), {"comment": ""})  # queued: no worker has taken it yet
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk])
    page = html.unescape(agent_admin.get(response.url).content.decode())
    assert "La signature est en cours" in page and "En attente" in page
    assert f'href="{reverse("admin:conventions_convention_change", args=[ready.pk])}">Revenir à la convention ' \
           f"{ready.reference}" in page
    ready.refresh_from_db()
    assert ready.status == "voted"

    job_run(job.pk)  # what a worker does
    ready.refresh_from_db()
    assert ready.status == "signed"
    page = agent_admin.get(response.url).content.decode()
    assert f"Télécharger convention-{ready.reference}-signee.pdf" in page
    signed = agent_admin.get(reverse("jobs:file", args=[job.pk]))
    assert "le 24 mars 2023" in pdf_text(b"".join(signed.streaming_content))
