"""Exports of one budget and of a year: French CSV, real numbers in XLSX, formulas neutralised,
and a query count that does not grow with the lines."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from budgets.exports import budget_template, export_budget, export_year
from budgets.models import BudgetKind
from tests.factories import BudgetFactory, BudgetLineFactory, ConventionFactory, add_balanced_lines


def xlsx_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content))["Budget"].iter_rows(values_only=True))


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: French Excel opens it with its accents
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


@pytest.fixture
def budget(db):
    budget = add_balanced_lines(BudgetFactory(convention__reference="AMP-2025-CULT-001"))
    BudgetLineFactory(budget=budget, code="606", label="=HYPERLINK(\"http://x.invalid\")", amount=Decimal("12.34"))
    BudgetLineFactory(budget=budget, code="606", label="+33 6 00 00 00 00", amount=Decimal("1"))
    BudgetLineFactory(budget=budget, code="606", label="-moins", amount=Decimal("1"))
    BudgetLineFactory(budget=budget, code="606", label="@SUM(A1)", amount=Decimal("1"))
    return budget


def test_xlsx_export_of_one_budget_in_the_forms_order(budget):
    exported = export_budget(budget, "xlsx")
    assert exported.filename == "budget-previsionnel-amp-2025-cult-001.xlsx"
    rows = xlsx_rows(exported.content)
    assert rows[0] == ("Convention", "Association", "Exercice", "Budget", "État du budget", "Chapitre", "Compte",
                       "Libellé", "Montant", "Demandé ou obtenu", "Collectivité attribuante", "Explication de l'écart")
    assert [row[6] for row in rows[1:]] == ["606", "606", "606", "606", "613", "641", "864", "744", "870"]
    salaries = next(row for row in rows if row[7] == "Salaires")
    assert salaries[:6] == ("AMP-2025-CULT-001", budget.convention.beneficiary.name, 2025, "Budget prévisionnel",
                            "Brouillon", "64 – Charges de personnel")
    assert salaries[8] == 6000 and isinstance(salaries[8], int | float)  # a number, not text
    metropole = next(row for row in rows if row[6] == "744")
    assert metropole[9:11] == ("Obtenu", "oui")


def test_cells_that_look_like_formulas_are_neutralised(budget):
    for labels in (
        [row[7] for row in xlsx_rows(export_budget(budget, "xlsx").content)],
        [row[7] for row in csv_rows(export_budget(budget, "csv").content)],
    ):
        assert "'=HYPERLINK(\"http://x.invalid\")" in labels
        assert "'+33 6 00 00 00 00" in labels and "'-moins" in labels and "'@SUM(A1)" in labels
        assert not any(label.startswith(("=", "+", "-", "@")) for label in labels if label)
    workbook = load_workbook(io.BytesIO(export_budget(budget, "xlsx").content))
    assert all(cell.data_type != "f" for row in workbook["Budget"].iter_rows() for cell in row)


def test_csv_export_is_french(budget):
    rows = csv_rows(export_budget(budget, "csv").content)
    hyperlink = next(row for row in rows if row[7].startswith("'=HYPERLINK"))
    assert hyperlink[8] == "12,34"
    assert next(row for row in rows if row[7] == "Salaires")[8] == "6000,00"


def _year_export_queries(year):
    with CaptureQueriesContext(connection) as ctx:
        export_year(year, "xlsx")
    return len(ctx.captured_queries)


def test_export_of_a_year_has_every_budget_and_a_flat_query_count(db):
    for _ in range(2):
        add_balanced_lines(BudgetFactory(convention=ConventionFactory(fiscal_year=2026)))
    add_balanced_lines(BudgetFactory(convention=ConventionFactory(fiscal_year=2024)))
    before = _year_export_queries(2026)
    rows = xlsx_rows(export_year(2026, "xlsx").content)
    assert len(rows) == 1 + 2 * 5 and {row[2] for row in rows[1:]} == {2026}
    for _ in range(5):
        convention = ConventionFactory(fiscal_year=2026)
        add_balanced_lines(BudgetFactory(convention=convention))
        add_balanced_lines(BudgetFactory(convention=convention, kind=BudgetKind.ACTUAL))
    assert _year_export_queries(2026) == before == 1


def test_the_csv_template_is_the_chart_with_empty_amounts():
    rows = csv_rows(budget_template("csv").content)
    assert rows[0][:4] == ["Chapitre", "Compte", "Libellé", "Montant"]
    assert rows[1] == ["60 – Achats", "604", "Prestations de services", "", "", "", ""]
    assert {row[1] for row in rows[1:]} >= {"741", "740", "870", "875"}
