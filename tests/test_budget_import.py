"""Spreadsheet import: the seed's annex I from a CSV, XLSX templates, and every bad input refused
in French with nothing saved."""

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from budgets.exports import budget_template, export_budget
from budgets.imports import BudgetImportError, RowError
from budgets.models import BudgetLine, BudgetStatus
from budgets.rules import budget_report, budget_totals
from budgets.services import budget_import
from demo.demo import SEED_FORECAST_LINES
from tests.factories import BudgetFactory, UserFactory, add_balanced_lines

DATA = Path(__file__).parent / "data"
HEADER = ["Compte", "Libellé", "Montant"]


def csv_file(rows, *, header=HEADER, encoding="utf-8", name="budget.csv", delimiter=";"):
    lines = [delimiter.join(header)] + [delimiter.join(str(v) for v in row) for row in rows]
    return SimpleUploadedFile(name, ("\r\n".join(lines) + "\r\n").encode(encoding))


def xlsx_file(rows, *, header=HEADER, sheet="Budget", name="budget.xlsx"):
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(header)
    for row in rows:
        worksheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile(name, out.getvalue())


@pytest.fixture
def budget(db):
    return add_balanced_lines(BudgetFactory())


@pytest.fixture
def user(db):
    return UserFactory()


def refused(budget, upload, user) -> BudgetImportError:
    before = sorted(BudgetLine.objects.filter(budget=budget).values_list("code", "label", "amount"))
    with pytest.raises(ValidationError) as exc:
        budget_import(budget=budget, uploaded_file=upload, user=user)
    after = sorted(BudgetLine.objects.filter(budget=budget).values_list("code", "label", "amount"))
    assert after == before, "a refused file must leave the budget untouched"
    return exc.value


# --- What must work ------------------------------------------------------------------------------


def test_the_seed_annex_imported_from_csv_reproduces_the_seed_totals(user):
    budget = BudgetFactory(convention__amount_granted=Decimal("66000"))
    upload = SimpleUploadedFile("annexe-I.csv", (DATA / "seed_annex_i.csv").read_bytes())
    summary = budget_import(budget=budget, uploaded_file=upload, user=user)
    assert (summary.created, summary.updated, summary.deleted) == (24, 0, 0)
    totals = budget_totals(budget)
    assert (totals.charges, totals.products, totals.gap) == (Decimal("954123"), Decimal("953330"), Decimal("793"))
    assert totals.in_kind_charges == totals.in_kind_products == Decimal("210000")
    report = budget_report(budget)
    assert report.warnings == ["Le budget n'est pas équilibré : les charges dépassent les produits de 793\u00a0€."]
    imported = list(budget.lines.in_chart_order().values_list("code", "label", "amount", "funding_status",
                                                               "is_granting_funder"))
    expected = [(line.code, line.label, line.amount, line.funding_status, line.is_granting_funder)
                for line in SEED_FORECAST_LINES]
    assert sorted(imported) == sorted(expected)
    assert budget.lines.first().history.first().history_user == user


def test_the_shipped_seed_csv_is_the_seed_annex():
    text = (DATA / "seed_annex_i.csv").read_text("utf-8")
    assert len(text.strip().splitlines()) == len(SEED_FORECAST_LINES) + 1
    for line in SEED_FORECAST_LINES:
        assert f"{line.code};{line.label};" in text


def test_the_xlsx_template_lists_the_whole_chart_and_imports_once_filled(budget, user):
    template = load_workbook(io.BytesIO(budget_template("xlsx").content))
    assert template.sheetnames == ["Budget", "Mode d'emploi"]
    rows = list(template["Budget"].iter_rows(values_only=True))
    assert rows[0] == ("Chapitre", "Compte", "Libellé", "Montant", "Demandé ou obtenu", "Collectivité attribuante",
                       "Explication de l'écart")
    assert [row[1] for row in rows[1:]][:4] == ["604", "601", "606", "613"] and len(rows) == 1 + 46
    filled = {"641": 6000, "613": "4 000,00 €", "744": 10000, "864": 500, "870": "500"}
    sheet = template["Budget"]
    for row in sheet.iter_rows(min_row=2):
        if row[1].value in filled:
            row[3].value = filled[row[1].value]
        if row[1].value == "744":
            row[4].value, row[5].value = "Obtenu", "oui"
    out = io.BytesIO()
    template.save(out)
    summary = budget_import(budget=budget, uploaded_file=SimpleUploadedFile("rempli.xlsx", out.getvalue()), user=user)
    assert summary.lines == 5
    totals = budget_totals(budget)
    assert totals.is_balanced and totals.charges == Decimal("10000")
    assert budget.lines.get(code="744").funding_status == "obtained"


def test_importing_replaces_the_lines_and_keeps_the_unchanged_ones(budget, user):
    salaries = budget.lines.get(label="Salaires")
    summary = budget_import(budget=budget, user=user, uploaded_file=csv_file([
        ("641", "Salaires", "6 500"), ("606", "", "12,50"),
    ]))
    assert (summary.created, summary.updated, summary.deleted) == (1, 1, 4)
    assert budget.lines.get(label="Salaires").pk == salaries.pk
    assert set(budget.lines.values_list("label", flat=True)) == {"Salaires", "Autres fournitures"}


def test_an_export_imports_back_into_the_same_budget(budget, user):
    exported = export_budget(budget, "xlsx")
    summary = budget_import(budget=budget, user=user,
                            uploaded_file=SimpleUploadedFile(exported.filename, exported.content))
    assert summary.lines == 5 and summary.created == summary.deleted == 0
    exported = export_budget(budget, "xlsx")
    summary = budget_import(budget=budget, user=user,
                            uploaded_file=SimpleUploadedFile(exported.filename, exported.content))
    assert (summary.created, summary.updated, summary.deleted, summary.unchanged) == (0, 0, 0, 5)
    assert budget_totals(budget).charges == Decimal("10000")


def test_an_import_records_history_only_for_the_lines_it_changes(budget, user):
    """Re-importing a budget with one amount changed: one line in the audit trail, not every line."""
    from budgets.models import BudgetLine

    budget_import(budget=budget, user=user, uploaded_file=csv_file(
        [(line.code, line.label, str(line.amount).replace(".", ",")) for line in budget.lines.in_chart_order()]))
    before = BudgetLine.history.count()
    budget_import(budget=budget, user=user, uploaded_file=csv_file(
        [(line.code, line.label, str(line.amount).replace(".", ",")) if line.label != "Salaires"
         else (line.code, line.label, "7 000") for line in budget.lines.in_chart_order()]))
    records = BudgetLine.history.order_by("history_id")[before:]
    assert [(r.label, r.amount, r.history_user) for r in records] == [("Salaires", Decimal("7000"), user)]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "utf-8-sig", "utf-16"])
def test_csv_in_windows_1252_latin_1_or_utf_16_is_read_with_its_accents(budget, user, encoding):
    budget_import(budget=budget, user=user, uploaded_file=csv_file(
        [("613", "Location de matériel été", "1 200,00")], encoding=encoding))
    assert budget.lines.get().label == "Location de matériel été"


def test_comma_separated_csv_with_english_numbers_is_read(budget, user):
    budget_import(budget=budget, user=user, uploaded_file=csv_file([("641", "Salaires", "1234.56")], delimiter=","))
    assert budget.lines.get().amount == Decimal("1234.56")


def test_a_workbook_without_a_budget_sheet_is_read_from_the_sheet_with_our_columns(budget, user):
    budget_import(budget=budget, user=user, uploaded_file=xlsx_file([("641", "Salaires", 100)], sheet="Feuil1"))
    assert budget.lines.get().amount == Decimal("100")


# --- What must be refused, in French, with nothing saved -------------------------------------------


def test_errors_are_listed_per_row_and_column(budget, user):
    error = refused(budget, csv_file([
        ("641", "Salaires", "6000"),
        ("999", "Inconnu", "10"),
        ("613", "Loyer", "abc"),
        ("606", "Fournitures", "-5"),
        ("641", "Salaires", "1"),
    ]), user)
    assert error.row_errors == [
        RowError(3, "Compte", "Le compte « 999 » n'existe pas dans le plan du Cerfa 12156."),
        RowError(4, "Montant", "« abc » n'est pas un montant valide (exemple attendu : 1 234,56)."),
        RowError(5, "Montant", "Le montant ne peut pas être négatif (« -5 »)."),
        RowError(6, "Libellé", "Ligne en double : le compte 641 « Salaires » figure déjà ligne 2."),
    ]
    assert error.messages[0] == "Ligne 3, colonne « Compte » : Le compte « 999 » n'existe pas dans le plan du Cerfa 12156."


def test_an_xlsx_with_a_text_amount_is_refused_at_its_row(budget, user):
    error = refused(budget, xlsx_file([("641", "Salaires", 100), ("613", "Loyer", "mille euros")]), user)
    assert error.row_errors == [RowError(3, "Montant", "« mille euros » n'est pas un montant valide (exemple attendu : "
                                                       "1 234,56).")]


def test_granting_funder_flag_outside_chapter_74_is_refused(budget, user):
    error = refused(budget, csv_file([("641", "Salaires", "10", "oui")], header=[*HEADER, "Collectivité attribuante"]),
                    user)
    assert error.row_errors[0].column == "Collectivité attribuante"


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("vide.csv", b""), "Le fichier est vide."),
        (SimpleUploadedFile("vide.csv", b"\r\n  \r\n"), "Le fichier est vide."),
        (csv_file([]), "Le fichier ne contient aucune ligne remplie"),
        (csv_file([("641", "Salaires", "")]), "Le fichier ne contient aucune ligne remplie"),
        (csv_file([("641", "10")], header=["Compte", "Total"]), "Colonne(s) absente(s) : « Montant »."),
        (csv_file([("641", "1", "2")], header=["Compte", "Montant", "Montant"]), "La colonne « Montant » figure deux fois"),
        (xlsx_file([("a", "b")], header=["Nom", "Prénom"], sheet="Adhérents"),
         "Le classeur n'a pas de feuille « Budget » ni de feuille avec les colonnes « Compte » et « Montant » "
         "(feuilles trouvées : « Adhérents »)."),
        (SimpleUploadedFile("budget.xlsx", b"PK\x03\x04 not really a zip"), "n'est pas un classeur Excel (.xlsx) valide."),
        (SimpleUploadedFile("budget.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100), "Excel 97-2003 (.xls)"),
        (SimpleUploadedFile("budget.ods", b"PK\x03\x04"), "OpenDocument (.ods)"),
        (SimpleUploadedFile("budget.csv", b"Compte;Montant\r\n641;\x81\x8d\x8f\r\n"), "L'encodage du fichier CSV n'est pas "
                                                                                        "reconnu"),
        (SimpleUploadedFile("budget.csv", b"\x00\x01\x02binary\x00"), "L'encodage du fichier CSV n'est pas reconnu"),
        (SimpleUploadedFile("budget.csv", b'Compte;Montant\r\n641;"12\r\n'), "Le fichier CSV est mal formé"),
    ],
    ids=["empty", "blank-lines", "header-only", "no-amount", "missing-column", "duplicated-column", "wrong-sheet",
         "damaged-xlsx", "xls", "ods", "undecodable-csv", "binary", "unclosed-quote"],
)
def test_bad_files_are_refused_in_french(budget, user, upload, message):
    error = refused(budget, upload, user)
    assert message in error.messages[0]


@override_settings(BUDGET_IMPORT_MAX_BYTES=1024)
def test_a_file_over_the_size_limit_is_refused(budget, user):
    upload = csv_file([("641", f"Ligne {i}", "1") for i in range(100)])
    assert upload.size > 1024
    assert refused(budget, upload, user).messages == [f"Le fichier pèse {-(-upload.size // 1024)}\u00a0Ko : la limite "
                                                      "est de 1\u00a0Ko."]


def zip_bomb() -> bytes:
    """Return a small .xlsx-looking zip whose members inflate to 60 MB (over the 50 MB default)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


def test_an_xlsx_zip_bomb_is_refused_before_it_is_opened(budget, user, monkeypatch):
    content = zip_bomb()
    assert len(content) < 200_000

    def must_not_open(*args, **kwargs):
        raise AssertionError("openpyxl must not read a zip bomb")

    monkeypatch.setattr("openpyxl.load_workbook", must_not_open)
    error = refused(budget, SimpleUploadedFile("budget.xlsx", content), user)
    assert error.messages[0].startswith("Le classeur décompressé occuperait 60,0\u00a0Mo (limite : 50,0\u00a0Mo)")


def test_a_submitted_budget_cannot_be_replaced_by_an_import(budget, user):
    budget.status = BudgetStatus.SUBMITTED
    budget.save()
    error = refused(budget, csv_file([("641", "Salaires", "1")]), user)
    assert "Ce budget est déposé" in error.messages[0]
