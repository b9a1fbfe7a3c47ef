"""The agents' budget pages: lines by chapter with subtotals and warnings, the side-by-side view,
review, import and exports; each with a pinned query count that does not grow with the lines."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from budgets.models import Budget, BudgetKind, BudgetLine, BudgetStatus
from budgets.services import LineInput, budget_create_actual, budget_save_lines
from jobs.models import Job

# Pinned numbers: a change that adds a query to a page must update them knowingly.
CHANGE_PAGE_QUERIES = 13  # with the amount in force (signed amendments) for the share, and whether the
# reviewer belongs to the association (segregation of duties: the « Valider » button or its reason)
COMPARE_QUERIES = 9
EXPORT_QUERIES = 6
YEAR_EXPORT_QUERIES = 5 + 12  # + the job's own (tests/test_opendata.py lists them)


def count(client, url, *, status=200):
    """Return the number of queries of a page (transaction savepoints aside) and the response.

    The page is loaded once before counting, so that per-process caches (content types) are warm.
    """
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    sql = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    return len(sql), response


def add_lines(budget, n):
    BudgetLine.objects.bulk_create(
        BudgetLine(budget=budget, code="606", label=f"Ajout {i}", amount=Decimal("1"), position=900 + i) for i in range(n)
    )


@pytest.fixture
def seed_budget(seed_convention):
    return Budget.objects.get(convention=seed_convention, kind=BudgetKind.FORECAST)


@pytest.fixture
def active_convention(demo):
    """The demo's active agreement (Jardins partagés 2025), with an actual budget partly filled."""
    from conventions.models import Convention

    convention = Convention.objects.get(reference="AMP-2025-ENV-JPH")
    actual = budget_create_actual(convention=convention, user=None)
    forecast = convention.budgets.get(kind=BudgetKind.FORECAST)
    lines = [LineInput(line.code, line.amount * (Decimal("1.25") if line.code == "641" else 1), line.label,
                       line.funding_status, line.is_granting_funder)
             for line in forecast.lines.in_chart_order()]
    budget_save_lines(budget=actual, lines=lines, user=None)
    return convention


def test_budget_page_groups_lines_by_chapter_with_subtotals_and_warnings(agent_client, seed_budget):
    url = reverse("admin:budgets_budget_change", args=[seed_budget.pk])
    before, response = count(agent_client, url)
    page = response.content.decode()
    assert page.index("60 – Achats") < page.index("61 – Services extérieurs") < page.index("74 – Subventions")
    assert '<td class="num">686\u202f416\u00a0€</td>' in page  # chapter 64 subtotal beside its heading
    assert "Le budget n&#x27;est pas équilibré : les charges dépassent les produits de 793\u00a0€." in page
    assert "Le total des charges imprimé (953\u202f530\u00a0€) diffère du total calculé (954\u202f123\u00a0€)" in page
    assert "Cofinanceurs (chapitre 74)" in page and "CASA" in page
    assert "6,92\u00a0%" in page and "5,67\u00a0%" in page
    assert reverse("admin:budgets_budget_compare", args=[seed_budget.convention_id]) in page
    add_lines(seed_budget, 25)
    after, _ = count(agent_client, url)
    assert after == before == CHANGE_PAGE_QUERIES


def test_side_by_side_view_shows_variances_and_what_to_explain(agent_client, active_convention):
    url = reverse("admin:budgets_budget_compare", args=[active_convention.pk])
    before, response = count(agent_client, url)
    page = response.content.decode()
    assert "Budget prévisionnel et réalisé — AMP-2025-ENV-JPH" in page
    assert "+13\u202f200\u00a0€" in page and "+25,00\u00a0%" in page
    assert "à expliquer" in page and "1 écart à expliquer sans explication." in page
    assert "Dépenses éligibles (charges hors contributions en nature) : prévues 96\u202f000\u00a0€, réalisées " \
           "109\u202f200\u00a0€" in page
    add_lines(active_convention.budgets.get(kind=BudgetKind.ACTUAL), 25)
    after, _ = count(agent_client, url)
    assert after == before == COMPARE_QUERIES


def test_side_by_side_view_without_actual_budget_says_so(agent_client, seed_convention):
    response = agent_client.get(reverse("admin:budgets_budget_compare", args=[seed_convention.pk]))
    assert "n'est pas encore établi" in response.content.decode()


def test_convention_page_links_to_the_side_by_side_view(agent_client, seed_convention):
    response = agent_client.get(reverse("admin:conventions_convention_change", args=[seed_convention.pk]))
    assert reverse("admin:budgets_budget_compare", args=[seed_convention.pk]) in response.content.decode()


def test_agent_validates_or_returns_a_submitted_budget(agent_client, seed_budget):
    response = agent_client.post(reverse("admin:budgets_budget_validate", args=[seed_budget.pk]), follow=True)
    assert "Le budget n&#x27;est pas équilibré" in response.content.decode()  # the seed's gap: refused
    seed_budget.refresh_from_db()
    assert seed_budget.status == BudgetStatus.SUBMITTED
    response = agent_client.post(reverse("admin:budgets_budget_return", args=[seed_budget.pk]),
                                 {"comment": "Les charges dépassent les produits de 793 € : corrigez."}, follow=True)
    assert "Le budget est renvoyé à l&#x27;association pour correction." in response.content.decode()
    seed_budget.refresh_from_db()
    assert seed_budget.status == BudgetStatus.RETURNED
    assert seed_budget.history.first().history_user.username == "agent"


def test_finance_may_read_but_not_review(client, demo, seed_budget):
    client.login(username="finance", password="demo")
    assert client.get(reverse("admin:budgets_budget_compare", args=[seed_budget.convention_id])).status_code == 200
    assert client.post(reverse("admin:budgets_budget_validate", args=[seed_budget.pk])).status_code == 403
    assert client.get(reverse("admin:budgets_budget_import", args=[seed_budget.pk])).status_code == 403


def test_admin_import_lists_errors_per_row_then_imports(agent_client, demo):
    budget = Budget.objects.get(convention__reference="AMP-2026-ENV-JPH")
    url = reverse("admin:budgets_budget_import", args=[budget.pk])
    lines = budget.lines.count()
    bad = SimpleUploadedFile("b.csv", "Compte;Libellé;Montant\r\n641;Salaires;12,5,0\r\n".encode())
    response = agent_client.post(url, {"file": bad, "version": budget.version})
    page = response.content.decode()
    assert response.status_code == 200 and "aucune ligne n'a été enregistrée" in page
    assert "<td>2</td><td>Montant</td><td>« 12,5,0 » n&#x27;est pas un montant valide" in page
    assert budget.lines.count() == lines
    good = SimpleUploadedFile("b.csv", "Compte;Libellé;Montant\r\n641;Salaires;12 500,00\r\n".encode())
    response = agent_client.post(url, {"file": good, "version": budget.version}, follow=True)
    assert "Import réussi : 1 lignes" in response.content.decode()
    assert list(budget.lines.values_list("code", "amount")) == [("641", Decimal("12500.00"))]
    again = SimpleUploadedFile("b.csv", "Compte;Libellé;Montant\r\n641;Salaires;12 500,00\r\n".encode())
    budget.refresh_from_db()
    page = agent_client.post(url, {"file": again, "version": budget.version}, follow=True).content.decode()
    assert "1 lignes (0 nouvelles, 0 mises à jour, 1 inchangées, 0 supprimées)" in page


def test_admin_exports_one_budget_and_a_year_with_flat_query_counts(agent_client, seed_budget):
    url = reverse("admin:budgets_budget_export", args=[seed_budget.pk, "xlsx"])
    before, response = count(agent_client, url)
    assert response["Content-Disposition"] == 'attachment; filename="budget-previsionnel-amp-2023-deveco-scs.xlsx"'
    rows = list(load_workbook(io.BytesIO(response.content))["Budget"].iter_rows(values_only=True))
    assert len(rows) == 25
    add_lines(seed_budget, 25)
    after, _ = count(agent_client, url)
    assert after == before == EXPORT_QUERIES

    year_url = reverse("admin:budgets_budget_export_year") + "?annee=2025&format=csv"  # a background job
    before, response = count(agent_client, year_url, status=302)
    assert response.url == reverse("jobs:detail", args=[Job.objects.latest("pk").pk])
    year_file = agent_client.get(reverse("jobs:file", args=[Job.objects.latest("pk").pk]))
    assert year_file["Content-Type"] == "text/csv; charset=utf-8"
    assert "AMP-2025-ENV-JPH" in b"".join(year_file.streaming_content).decode("utf-8-sig")
    add_lines(Budget.objects.get(convention__reference="AMP-2025-ENV-JPH"), 25)
    after, _ = count(agent_client, year_url, status=302)
    assert after == before == YEAR_EXPORT_QUERIES


def test_year_export_with_a_bad_year_explains_in_french(agent_client):
    response = agent_client.get(reverse("admin:budgets_budget_export_year") + "?annee=deux&format=xlsx", follow=True)
    assert "Exercice : Saisissez un nombre entier." in response.content.decode()


def test_unknown_export_format_is_not_found(agent_client, seed_budget):
    assert agent_client.get(reverse("admin:budgets_budget_export", args=[seed_budget.pk, "pdf"])).status_code == 404
    assert agent_client.get(reverse("admin:budgets_budget_template", args=["xlsx"])).status_code == 200


def test_budget_list_shows_totals_and_the_gap(agent_client, seed_budget):
    page = agent_client.get(reverse("admin:budgets_budget_changelist")).content.decode()
    assert "954\u202f123\u00a0€" in page and "793\u00a0€" in page and "équilibré" in page
    assert "Exporter tous les budgets de l" in page


def test_budget_page_share_is_that_of_the_amount_in_force(agent_client, amended_agreement):
    """45 000 € granted + 5 000 € by a signed amendment (the draft + 1 000 € does not count)."""
    from budgets.rules import budget_totals
    from core.money import format_percent

    budget = Budget.objects.get(convention=amended_agreement, kind=BudgetKind.FORECAST)
    page = agent_client.get(reverse("admin:budgets_budget_change", args=[budget.pk])).content.decode()
    totals = budget_totals(budget)
    assert format_percent(totals.funder_share(Decimal("50000"))) in page
    assert format_percent(totals.funder_share(Decimal("45000"))) not in page


def test_a_line_is_named_with_its_amount_written_the_french_way():
    """As on the admin's delete confirmation page and in history labels."""
    line = BudgetLine(code="641", label="Salaires", amount=Decimal("6500.50"))
    assert str(line) == "641 Salaires : 6\u202f500,50\u00a0€"
