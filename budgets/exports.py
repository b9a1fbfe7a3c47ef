"""Spreadsheets out: the import template pre-filled with the chart, and exports of budgets.

XLSX through openpyxl (amounts as numbers in euros), CSV for French spreadsheets (semicolon,
decimal comma, UTF-8 with BOM). Text cells are neutralised by the export resource.
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from budgets import chart
from budgets.imports import SHEET_NAME
from budgets.models import BudgetLine, chart_rank_expression
from budgets.resources import (
    COL_AMOUNT,
    COL_FUNDING,
    COL_GRANTING,
    TEMPLATE_COLUMNS,
    BudgetLineExportResource,
)

XLSX = "xlsx"
CSV = "csv"
FORMATS = {
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    CSV: "text/csv; charset=utf-8",
}
AMOUNT_FORMAT = '#,##0.00 "€"'
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")

INSTRUCTIONS = [
    "Mode d'emploi du modèle de budget (Cerfa 12156)",
    "",
    "Saisissez les montants dans la colonne « Montant » de la feuille « Budget », en euros : 1 234,56 ou 1234.56.",
    "Les lignes sans montant sont ignorées ; les montants négatifs sont refusés. Exception : un cofinancement du "
    "chapitre 74 marqué « Demandé » dont le montant n'est pas encore connu reste sans montant (non renseigné).",
    "Pour ajouter une ligne (par exemple un second cofinanceur au chapitre 74), copiez une ligne du même compte "
    "et changez son libellé : deux lignes d'un même compte doivent avoir des libellés différents.",
    "Chapitre 74 : indiquez « Demandé » ou « Obtenu », et « oui » dans « Collectivité attribuante » sur la ligne "
    "de la subvention de la présente convention.",
    "Les totaux sont calculés par l'application : ne les saisissez pas.",
    "L'import remplace toutes les lignes du budget ; si une seule ligne est refusée, rien n'est enregistré.",
]


@dataclass(frozen=True)
class SpreadsheetFile:
    content: bytes
    filename: str
    content_type: str


def checked_format(fmt: str) -> str:
    """Return ``fmt`` if we export it (``xlsx`` or ``csv``), else answer 404."""
    if fmt not in FORMATS:
        raise Http404
    return fmt


def download(spreadsheet: SpreadsheetFile) -> HttpResponse:
    """Return the spreadsheet as a file to download."""
    response = HttpResponse(spreadsheet.content, content_type=spreadsheet.content_type)
    response["Content-Disposition"] = f'attachment; filename="{spreadsheet.filename}"'
    return response


def template_rows() -> list[list]:
    """Return one row per account of the chart, in the form's order, amounts to fill."""
    return [
        [f"{account.chapter.code} – {account.chapter.label}", account.code, account.label, None, "", "", ""]
        for account in chart.ACCOUNTS.values()
    ]


def budget_template(fmt: str) -> SpreadsheetFile:
    """Return the import template (the whole chart), as XLSX or CSV."""
    rows = template_rows()
    if fmt == CSV:
        content = csv_bytes(TEMPLATE_COLUMNS, rows)
    else:
        content = _xlsx_bytes(TEMPLATE_COLUMNS, rows, with_validation=True, instructions=INSTRUCTIONS)
    return SpreadsheetFile(content, f"modele-budget-cerfa-12156.{fmt}", FORMATS[fmt])


def export_lines(queryset, fmt: str, filename: str) -> SpreadsheetFile:
    """Export ``queryset`` (budget lines) as a spreadsheet through the export resource."""

    lines = (
        queryset.select_related("budget__convention__beneficiary")
        .alias(chart_rank=chart_rank_expression())
        .order_by("budget__convention__fiscal_year", "budget__convention__reference", "budget__kind",
                  "chart_rank", "position", "pk")
    )
    dataset = BudgetLineExportResource().export(lines)
    if fmt == CSV:
        content = csv_bytes(dataset.headers, list(dataset))
    else:
        content = _xlsx_bytes(dataset.headers, list(dataset))
    return SpreadsheetFile(content, f"{slugify(filename)}.{fmt}", FORMATS[fmt])


def export_budget(budget, fmt: str) -> SpreadsheetFile:
    kind = "previsionnel" if budget.kind == "forecast" else "realise"
    year = f"-{budget.year}" if budget.year is not None else ""  # one year of a multi-year agreement
    return export_lines(BudgetLine.objects.filter(budget=budget), fmt,
                        f"budget-{kind}-{budget.convention.reference}{year}")


def export_year(year: int, fmt: str) -> SpreadsheetFile:
    return export_lines(BudgetLine.objects.filter(budget__convention__fiscal_year=year), fmt, f"budgets-{year}")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def csv_bytes(headers, rows) -> bytes:
    """Return ``rows`` under ``headers`` as a CSV for French spreadsheets: ``;``, decimal comma, UTF-8 with BOM.

    The cells are written as given: text that could read as a formula is the caller's to neutralise
    (``budgets.resources.neutralise``)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_csv_value(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx_bytes(headers, rows, *, with_validation=False, instructions=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_NAME
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([_xlsx_value(v) for v in row])
    headers = list(headers)
    amount_col = headers.index(COL_AMOUNT) + 1
    for (cell,) in sheet.iter_rows(min_row=2, min_col=amount_col, max_col=amount_col):
        cell.number_format = AMOUNT_FORMAT
    for index, header in enumerate(headers, start=1):
        width = {COL_AMOUNT: 16}.get(header, 40 if header in ("Libellé", "Association", "Chapitre") else 20)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    if with_validation:
        last = len(rows) + 200
        funding = DataValidation(type="list", formula1='"Demandé,Obtenu"', allow_blank=True)
        granting = DataValidation(type="list", formula1='"oui"', allow_blank=True)
        for validation, column in ((funding, COL_FUNDING), (granting, COL_GRANTING)):
            letter = get_column_letter(headers.index(column) + 1)
            validation.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(validation)
    if instructions:
        help_sheet = workbook.create_sheet("Mode d'emploi")
        for line in instructions:
            help_sheet.append([line])
        help_sheet.column_dimensions["A"].width = 120
        help_sheet["A1"].font = Font(bold=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_value(value):
    """Write amounts as numbers (openpyxl keeps a Decimal exact) and text as text."""
    return value
