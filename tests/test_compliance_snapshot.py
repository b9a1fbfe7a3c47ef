"""The computed state of the whole portfolio (``compliance.snapshot``) that the dashboard and the overdue
items' page show: its time, « Recalculer maintenant » (a job whose file is the overdue items in CSV), the
warning when it is from an earlier day, the empty state, only the latest kept, who may recalculate, the
daily command, and the reminders' job computing it again."""

import csv
import html
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from compliance.models import ComplianceSnapshot
from compliance.snapshot import SNAPSHOTS_KEPT, snapshot_compute
from core.dates import french_date, french_datetime
from core.roles import AGENT, FINANCE
from documents.models import DocumentKind
from jobs.models import Job, JobStatus
from tests.factories import DocumentFactory, UserFactory, staff_user
from tests.pdf_helpers import clean_private_files  # noqa: F401
from tests.test_reminders import owe, signed_convention

pytestmark = pytest.mark.usefixtures("clean_private_files")

PAGES = ("staff:dashboard", "staff:overdue")
STALE = "calculé un jour précédent : les retards ont pu changer"


@pytest.fixture
def agent(client, db):
    user = staff_user("agent1", AGENT)
    client.force_login(user)
    return user


@pytest.fixture
def overdue(db):
    """An agreement whose association owes its annual accounts since ten days ago."""
    convention = signed_convention(name="Les Amis du Canal")
    owe(convention, due_on=timezone.localdate() - timedelta(days=10))
    return convention


def page_of(client, name) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def recalculate(client, page="overdue"):
    """Click « Recalculer maintenant » on ``page``; return the job's response page and the job."""
    response = client.post(reverse("staff:snapshot_refresh"), {"page": page})
    assert response.status_code == 302
    job = Job.objects.get(pk=response.url.rstrip("/").split("/")[-1])
    assert response.url == reverse("jobs:detail", args=[job.pk])
    return html.unescape(client.get(response.url).content.decode()), job


def test_with_no_snapshot_yet_the_pages_say_so_and_offer_to_compute_it(client, agent, overdue):
    for name in PAGES:
        page = page_of(client, name)
        assert "Pas encore calculé" in page and "État calculé le" not in page
        assert f'<form method="post" action="{reverse("staff:snapshot_refresh")}">' in page
        assert ">Recalculer maintenant</button>" in page
        assert overdue.reference not in page  # nothing computed on the page itself


def test_the_pages_show_the_snapshot_s_time_and_its_items_linked_to_their_agreement(client, agent, overdue):
    snapshot = snapshot_compute()
    change = reverse("admin:conventions_convention_change", args=[overdue.pk])
    for name in PAGES:
        page = page_of(client, name)
        assert f"État calculé le {french_datetime(snapshot.computed_at)}." in page
        assert STALE not in page and "Pas encore calculé" not in page
        assert f'<a href="{change}">{overdue.reference}</a>' in page
    assert f"Échéances dépassées au {french_date(timezone.localdate())}" in page_of(client, "staff:dashboard")
    overdue_page = page_of(client, "staff:overdue")
    assert f"Au {french_date(timezone.localdate())} : 1 échéance dépassée" in overdue_page
    assert "Les Amis du Canal" in overdue_page and "Comptes annuels" in overdue_page and "10 j" in overdue_page


def test_recalculating_runs_the_job_and_the_page_then_shows_a_newly_overdue_document(client, agent, overdue):
    snapshot_compute()
    DocumentFactory(convention=overdue, kind=DocumentKind.STATUTES, due_on=timezone.localdate() - timedelta(days=3))
    assert "Statuts" not in page_of(client, "staff:overdue")  # the page reads the snapshot, not the live state

    job_page, job = recalculate(client, "overdue")
    assert (job.status, job.owner, job.kind) == (JobStatus.DONE, agent, "compliance.snapshot")
    assert "Prêt." in job_page and f"Télécharger echeances-depassees-{timezone.localdate().isoformat()}.csv" in job_page
    assert f'<a href="{reverse("staff:overdue")}">Revenir aux échéances dépassées</a>' in job_page

    page = page_of(client, "staff:overdue")
    assert "2 échéances dépassées" in page and "Statuts" in page and "3 j" in page
    assert ComplianceSnapshot.objects.latest("computed_at").computed_by == agent

    job_page, _job = recalculate(client, "dashboard")
    assert f'<a href="{reverse("staff:dashboard")}">Revenir au tableau de bord</a>' in job_page
    assert "Échéances dépassées (2)" in page_of(client, "staff:dashboard")


def test_a_snapshot_from_an_earlier_day_says_the_delays_may_have_changed(client, agent, overdue):
    snapshot = snapshot_compute(today=timezone.localdate() - timedelta(days=1))
    ComplianceSnapshot.objects.filter(pk=snapshot.pk).update(computed_at=timezone.now() - timedelta(days=1))
    snapshot.refresh_from_db()
    for name in PAGES:
        page = page_of(client, name)
        assert f"État calculé le {french_datetime(snapshot.computed_at)}, {STALE}." in page
    assert "9 j" in page_of(client, "staff:overdue")  # the delay as it was that day
    recalculate(client)
    assert all(STALE not in page_of(client, name) for name in PAGES)
    assert "10 j" in page_of(client, "staff:overdue")


def test_the_job_s_file_is_the_overdue_items_in_csv_for_french_spreadsheets(client, agent, overdue):
    DocumentFactory(convention=overdue, kind=DocumentKind.STATUTES, due_on=timezone.localdate() - timedelta(days=3),
                    rejection_reason="=HYPERLINK(\"http://x\")")
    _page, job = recalculate(client)
    download = client.get(reverse("jobs:file", args=[job.pk]))
    day = timezone.localdate()
    assert download["Content-Disposition"] == f'attachment; filename="echeances-depassees-{day.isoformat()}.csv"'
    content = b"".join(download.streaming_content)
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: French Excel opens it with its accents
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Échéance", "Retard (jours)", "Association", "Convention", "Nature", "Objet", "Base légale",
                       "Précisions"]
    assert rows[1] == [(day - timedelta(days=10)).strftime("%d/%m/%Y"), "10", "Les Amis du Canal", overdue.reference,
                       "Pièce à fournir", "Comptes annuels", "", ""]
    assert rows[2][:6] == [(day - timedelta(days=3)).strftime("%d/%m/%Y"), "3", "Les Amis du Canal", overdue.reference,
                           "Pièce à fournir", "Statuts"]
    assert rows[2][7] == "Refusée : =HYPERLINK(\"http://x\")"  # starts with text: no formula
    assert len(rows) == 3


def test_a_cell_that_a_spreadsheet_would_run_is_neutralised(client, agent):
    convention = signed_convention(name="=1+1 association")
    owe(convention, due_on=timezone.localdate() - timedelta(days=1))
    _page, job = recalculate(client)
    content = b"".join(client.get(reverse("jobs:file", args=[job.pk])).streaming_content).decode("utf-8-sig")
    assert ";'=1+1 association;" in content


def test_only_the_latest_snapshots_are_kept(db):
    made = [snapshot_compute().pk for _ in range(SNAPSHOTS_KEPT + 2)]
    assert sorted(ComplianceSnapshot.objects.values_list("pk", flat=True)) == made[2:]


def test_finance_may_recalculate_and_staff_who_may_not_read_agreements_may_not(client, overdue):
    client.force_login(UserFactory(username="stagiaire", is_staff=True))  # staff, with no role
    assert client.post(reverse("staff:snapshot_refresh"), {"page": "overdue"}).status_code == 403
    assert client.get(reverse("staff:overdue")).status_code == 403
    client.logout()
    response = client.post(reverse("staff:snapshot_refresh"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Job.objects.exists() and not ComplianceSnapshot.objects.exists()
    client.force_login(staff_user("finance1", FINANCE))  # finance read agreements, hence these pages
    assert ">Recalculer maintenant</button>" in page_of(client, "staff:overdue")
    _page, job = recalculate(client)
    assert job.status == JobStatus.DONE and ComplianceSnapshot.objects.count() == 1


def test_the_page_is_asked_by_get_only_to_show_it(client, agent):
    assert client.get(reverse("staff:snapshot_refresh")).status_code == 405
    assert not Job.objects.exists()


def test_the_daily_command_computes_the_snapshot_and_says_what_it_found(overdue):
    out = io.StringIO()
    call_command("compliance_snapshot", stdout=out)
    snapshot = ComplianceSnapshot.objects.get()
    assert snapshot.computed_by is None and snapshot.today == timezone.localdate()
    assert f"État calculé le {french_datetime(snapshot.computed_at)} : 1 échéance(s) dépassée(s)" in out.getvalue()


def test_the_reminders_job_computes_the_snapshot_again_at_its_end(client, agent, overdue):
    client.post(reverse("staff:reminders_send"), {"confirm": "1", "day": timezone.localdate().isoformat()})
    assert Job.objects.get().status == JobStatus.DONE
    snapshot = ComplianceSnapshot.objects.get()
    assert snapshot.computed_by == agent
    assert overdue.reference in page_of(client, "staff:overdue")

