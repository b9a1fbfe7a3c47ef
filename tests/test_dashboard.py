"""The staff dashboard and the overdue list: figures, charts with their data, flat query counts.

The overdue items, the dependency and the open-data summary are those of the latest snapshot
(``compliance.snapshot``): a test that reads them first clicks « Recalculer maintenant » and follows
the job, as staff do (``recalculate``); the snapshot itself: tests/test_compliance_snapshot.py."""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compliance.dashboard import (
    dependencies,
    money_by_year_and_state,
    totals_by_state,
    totals_by_year,
)
from conventions.models import Amendment, AmendmentStatus, Status
from core.charts import Series, axis_ticks, bar_chart, column_chart, nice_maximum
from core.money import format_percent
from documents.models import DocumentKind
from finance.models import PaymentKind
from jobs.models import Job, JobStatus
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    ConventionFactory,
    DocumentFactory,
    PaymentRequestFactory,
    UserFactory,
)
from tests.pdf_helpers import clean_private_files  # noqa: F401

NNBSP, NBSP = "\u202f", "\u00a0"
pytestmark = pytest.mark.usefixtures("clean_private_files")  # the jobs' CSV files


def recalculate(client, page="dashboard") -> Job:
    """Click « Recalculer maintenant » on ``page`` and follow the job (run at once in the tests) to its end."""
    response = client.post(reverse("staff:snapshot_refresh"), {"page": page})
    assert response.status_code == 302, response.status_code
    job = Job.objects.get(pk=response.url.rstrip("/").split("/")[-1])
    assert response.url == reverse("jobs:detail", args=[job.pk]) and job.status == JobStatus.DONE, job.error
    assert f'<a href="{reverse(f"staff:{page}")}">' in client.get(response.url).content.decode()
    return job


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries), response.content.decode()


def add_agreements(n):
    """Add ``n`` active agreements, each with a budget, a paid advance, an overdue document and a signed amendment."""
    for _ in range(n):
        convention = ConventionFactory(status=Status.ACTIVE, beneficiary_signed_on=date(2025, 2, 1),
                                       funder_signed_on=date(2025, 2, 3), amount_granted=D("30000"))
        budget = BudgetFactory(convention=convention)
        BudgetLineFactory(budget=budget, code="641", amount=D("90000"))
        BudgetLineFactory(budget=budget, code="744", amount=D("30000"), is_granting_funder=True)
        PaymentRequestFactory(convention=convention, kind=PaymentKind.ADVANCE, amount=D("24000"))
        DocumentFactory(convention=convention, kind=DocumentKind.STATUTES, due_on=date(2025, 2, 3))
        Amendment.objects.create(convention=convention, number=1, subject="Hausse", text="Hausse.",
                                 amount_change=D("1000"), status=AmendmentStatus.SIGNED)


# Pinned: a change that adds a query to these pages must update these numbers knowingly.
# The overdue items, the dependency and the open-data summary are read from the latest snapshot in one
# query, whether there is none yet or it holds more items (computed live they took 20 and 13 queries and,
# on 10,000 agreements, seconds): the session, the user, their permissions (2), the snapshot and the
# request's savepoint (2); the dashboard also computes the money per year and state live (3).
DASHBOARD_QUERIES = 10
OVERDUE_QUERIES = 7


def test_the_dashboard_query_count_is_pinned_and_flat(agent_client):
    url = reverse("staff:dashboard")
    empty, _page = count_queries(agent_client, url)
    recalculate(agent_client)
    before, _page = count_queries(agent_client, url)
    add_agreements(12)
    recalculate(agent_client)
    after, page = count_queries(agent_client, url)
    assert "AMP-2025-TEST" in page
    assert empty == before == after == DASHBOARD_QUERIES


def test_the_overdue_list_query_count_is_pinned_and_flat(agent_client):
    url = reverse("staff:overdue")
    empty, _page = count_queries(agent_client, url)
    recalculate(agent_client, "overdue")
    before, _page = count_queries(agent_client, url)
    add_agreements(12)
    recalculate(agent_client, "overdue")
    after, page = count_queries(agent_client, url)
    assert page.count("Statuts") == 12
    assert empty == before == after == OVERDUE_QUERIES


def test_the_dashboard_shows_amounts_granted_paid_and_to_pay(agent_client):
    recalculate(agent_client)
    page = agent_client.get(reverse("staff:dashboard")).content.decode()
    # Voted agreements: 45 000 (signed) + 30 000 (active) + 25 000 (closed) + 18 000 (terminated)
    # + 15 000 (voted, the specific grant) + 24 000 (closed, voted in 2019): demo/demo_cases.py
    # + 124 000 (the multi-year agreement 2025-2027, active: the sum of its years)
    assert f"<dd>281{NNBSP}000{NBSP}€</dd>" in page
    assert f"<dd>119{NNBSP}400{NBSP}€</dd>" in page  # 24 000 + 25 000 + 14 400 + 24 000 + 32 000 (2025 advance) paid
    assert f"<dd>158{NNBSP}000{NBSP}€</dd>" in page  # 45 000 + 6 000 + 15 000 + 92 000 still to pay
    # in preparation: 66 000 in review + 32 000 and 28 000 drafts + the 4 drafts drawn by the demo
    # deliberation's vote (20 000 + 16 500 for the Pôle SCS, 24 000 + 4 500 for Provence Images)
    assert f"<dd>191{NNBSP}000{NBSP}€</dd>" in page
    for heading in ("Montants par exercice", "Montants par état", "Conventions par état",
                    "Dépendance des associations à la collectivité", "Échéances dépassées au"):
        assert heading in page


def test_money_per_year_and_state(demo):
    rows = {(r.year, r.status): r for r in money_by_year_and_state()}
    active = rows[(2025, Status.ACTIVE)]
    # JPH 2025 (30 000, 24 000 paid) and the first year of the multi-year AMP-2025-SOC-CPO-RES (40 000 of its
    # 124 000, its 2025 advance of 32 000 paid): not its whole 124 000 in 2025
    assert (active.count, active.granted, active.paid, active.to_pay) == (2, D("70000"), D("56000"), D("14000"))
    # its 2026 and 2027 years (42 000 each) in their own years, nothing paid on them yet
    for year in (2026, 2027):
        row = rows[(year, Status.ACTIVE)]
        assert (row.count, row.granted, row.paid, row.to_pay) == (1, D("42000"), D("0"), D("42000"))
    assert rows[(2025, Status.TERMINATED)].to_pay == 0
    assert rows[(2023, Status.IN_REVIEW)].in_preparation == D("66000")
    years = {t.key: t for t in totals_by_year(list(rows.values()))}
    # 2025: 70 000 active + 18 000 terminated; paid 56 000 + 14 400
    assert (years[2025].granted, years[2025].paid, years[2025].to_pay) == (D("88000"), D("70400"), D("14000"))
    # 2026: 15 000 voted + 45 000 signed + 42 000 of the multi-year agreement
    assert (years[2026].count, years[2026].granted, years[2026].to_pay) == (4, D("102000"), D("102000"))
    # Per state, the multi-year agreement counts once, with its whole amount: 30 000 + 124 000
    active_total = next(t for t in totals_by_state(list(rows.values())) if t.key == Status.ACTIVE)
    assert (active_total.count, active_total.granted, active_total.to_pay) == (2, D("154000"), D("98000"))


def test_the_dashboard_counts_the_amount_in_force_after_signed_amendments(agent_client, amended_agreement):
    recalculate(agent_client)
    page = agent_client.get(reverse("staff:dashboard")).content.decode()
    # AMP-2026-CULT-PIM: 45 000 granted + 5 000 by its signed amendment (its draft one, + 1 000, does not count)
    assert f"<dd>286{NNBSP}000{NBSP}€</dd>" in page  # voted: 281 000 + 5 000
    assert f"<dd>163{NNBSP}000{NBSP}€</dd>" in page  # still to pay: 158 000 + 5 000
    row = next(r for r in money_by_year_and_state() if (r.year, r.status) == (2026, Status.SIGNED))
    assert (row.count, row.granted, row.to_pay) == (1, D("50000.00"), D("50000.00"))
    dependency = next(d for d in dependencies() if d.convention.pk == amended_agreement.pk)
    assert (dependency.granted, dependency.charges) == (D("50000.00"), D("180000.00"))
    assert f"27,78{NBSP}%" in page  # 50 000 of 180 000 (the 45 000 first granted would be 25 %)


def test_each_chart_is_an_accessible_svg_with_its_data_as_a_table(agent_client):
    recalculate(agent_client)
    page = agent_client.get(reverse("staff:dashboard")).content.decode()
    for chart_id in ("chart-years", "chart-states", "chart-counts", "chart-dependency"):
        assert 'role="img"' in page and f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in page
        assert f'<title id="{chart_id}-title">' in page
    assert page.count("(données du graphique)") == 4
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page)  # nothing from a CDN


def test_the_dependency_shows_the_share_of_each_association_budget(agent_client):
    recalculate(agent_client)
    page = agent_client.get(reverse("staff:dashboard")).content.decode()
    assert f"6,92{NBSP}%" in page and f"5,67{NBSP}%" in page  # Pôle SCS, without and with in-kind
    assert f"954{NNBSP}123{NBSP}€" in page
    assert f"31,25{NBSP}%" in page  # JPH 2025: 30 000 of 96 000


def test_the_dashboard_shows_the_most_dependent_associations_only(agent_client, monkeypatch):
    recalculate(agent_client)
    rows = [d for d in dependencies() if d.share is not None]
    monkeypatch.setattr("compliance.views.DASHBOARD_DEPENDENCIES", 2)
    page = agent_client.get(reverse("staff:dashboard")).content.decode()
    table = page.split('aria-labelledby="dependency-heading"')[1].split("</table>")[0]
    assert f"les 2 plus dépendantes sur {len(dependencies())}" in table
    assert table.count('<tr><th scope="row">') == 2
    shares = sorted({d.share for d in rows}, reverse=True)
    assert len(shares) > 2
    assert format_percent(shares[0]) in table and format_percent(shares[1]) in table  # the two most dependent
    assert format_percent(shares[-1]) not in table  # the least dependent: in the snapshot, not on the page


def test_the_overdue_list_shows_every_late_item_with_its_legal_basis(agent_client):
    recalculate(agent_client, "overdue")
    page = agent_client.get(reverse("staff:overdue")).content.decode()
    assert "Publication en données ouvertes dans les trois mois suivant la signature" in page
    assert "décret n° 2017-779" in page
    assert "AMP-2026-CULT-PIM" in page and "Contrat d&#x27;engagement républicain signé" in page


def test_the_admin_index_links_to_the_dashboard(agent_client):
    page = agent_client.get(reverse("admin:index")).content.decode()
    for name in ("staff:dashboard", "staff:overdue", "staff:scdl_export"):
        assert f'href="{reverse(name)}"' in page


def test_finance_may_read_the_dashboard(client, demo):
    client.login(username="finance", password="demo")
    assert client.get(reverse("staff:dashboard")).status_code == 200


def test_a_portal_member_is_sent_to_the_admin_login(client, demo):
    client.login(username="scs", password="demo")
    response = client.get(reverse("staff:dashboard"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_the_right_to_read_agreements_is_refused(client, db):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_funder"))
    client.force_login(user)
    assert client.get(reverse("staff:dashboard")).status_code == 403
    assert client.get(reverse("staff:overdue")).status_code == 403


@pytest.mark.parametrize("value, top", [("0", "1"), ("7", "10"), ("66000", "100000"), ("118000", "200000"),
                                        ("519993", "1000000"), ("0.3125", "0.5")])
def test_the_axis_ends_on_a_round_value(value, top):
    assert nice_maximum(D(value)) == D(top)


def test_a_stacked_column_is_as_tall_as_its_total():
    svg = column_chart(chart_id="c", title="T", description="D", categories=["2025"],
                       series=[Series("Versé", "#000"), Series("Reste", "#111")],
                       values=[[D("50"), D("50")]], width=200, height=136)
    # plot height 136 − 36 − 36 = 64 px for 100: two segments of 32 px
    assert svg.count('height="32.0"') == 2


@pytest.mark.parametrize("value, ticks", [("77000", [0, 20000, 40000, 60000, 80000]), ("0", [0, 1]),
                                          ("10", [0, 5, 10]), ("176", [0, 50, 100, 150, 200])])
def test_the_column_axis_lines_fall_on_round_steps(value, ticks):
    assert axis_ticks(D(value)) == [D(t) for t in ticks]


def test_a_long_legend_wraps_inside_the_chart():
    svg = column_chart(chart_id="c", title="T", description="D", categories=["2025"], width=240,
                       series=[Series("En préparation (non voté)", "#000"), Series("Reste à verser", "#111")],
                       values=[[D("1"), D("1")]])
    swatches = re.findall(r'<rect x="(\d+)" y="(\d+)" width="12" height="12"', svg)
    assert len(swatches) == 2 and swatches[0][0] == swatches[1][0] and swatches[0][1] != swatches[1][1]


def test_chart_labels_are_escaped():
    svg = bar_chart(chart_id="c", title="<script>", description="d", rows=[("<b>Asso</b>", [D("1")])],
                    series=[Series("s", "#000")])
    assert "<script>" not in svg and "<b>" not in svg and "&lt;b&gt;Asso&lt;/b&gt;" in svg
