"""Reading a budget spreadsheet (XLSX or CSV) safely, then importing it with our resource.

Every refusal is a French message: the whole file (empty, too big, zip bomb, wrong sheet,
unknown encoding, missing column) or a row and a column (unknown account, bad amount,
duplicated line). Nothing is saved unless every row is valid.

CSV files are read as UTF-8 (with or without BOM), UTF-16 with BOM, or — when they are not
valid UTF-8 — as Windows-1252, the encoding French Excel uses for « CSV (séparateur :
point-virgule) ». Latin-1 files are read the same way (Windows-1252 is a superset of it for
every printable character).
"""

import csv
import io
import logging
import unicodedata
import zipfile
from dataclasses import dataclass, field

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from budgets.models import BudgetLine
from budgets.resources import (
    COL_AMOUNT,
    COL_CHAPTER,
    COL_CODE,
    COL_EXPLANATION,
    COL_FUNDING,
    COL_GRANTING,
    COL_LABEL,
    REQUIRED_COLUMNS,
    BudgetLineImportResource,
)
from core.audit import delete_with_history

logger = logging.getLogger(__name__)

SHEET_NAME = "Budget"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000
MAX_ZIP_ENTRIES = 500

#: Headers accepted for each column, compared without accents, case or extra spaces.
HEADER_ALIASES = {
    COL_CODE: ["compte", "code", "n de compte", "numero de compte", "code comptable"],
    COL_LABEL: ["libelle", "intitule", "designation", "cofinanceur"],
    COL_AMOUNT: ["montant", "montant (eur)", "montant (€)", "montant en euros", "montant prevu", "montant realise"],
    COL_FUNDING: ["demande ou obtenu", "demande/obtenu", "etat du financement"],
    COL_GRANTING: ["collectivite attribuante", "ligne de la collectivite attribuante"],
    COL_EXPLANATION: ["explication de l'ecart", "explication", "explication de l ecart", "commentaire"],
    COL_CHAPTER: ["chapitre"],
}


def _setting(name: str, default: int) -> int:
    return getattr(settings, name, default)


def _normalise_header(value) -> str:
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode()
    return " ".join(text.replace("°", "").replace("’", "'").lower().split())


HEADER_LOOKUP = {_normalise_header(alias): column for column, aliases in HEADER_ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class RowError:
    """One refused cell or row of the file: its row number in the spreadsheet, its column."""

    row: int | None
    column: str | None
    message: str

    def __str__(self):
        if self.row is None:
            return self.message
        if self.column:
            return _("Ligne %(row)s, colonne « %(column)s » : %(message)s") % {
                "row": self.row, "column": self.column, "message": self.message}
        return _("Ligne %(row)s : %(message)s") % {"row": self.row, "message": self.message}


class BudgetImportError(ValidationError):
    """The file was refused; ``row_errors`` tells where, row by row and column by column."""

    def __init__(self, row_errors: list[RowError]):
        self.row_errors = row_errors
        super().__init__([str(error) for error in row_errors], code="import")


@dataclass(frozen=True)
class ImportSummary:
    file_name: str
    created: int
    updated: int
    deleted: int
    unchanged: int = 0

    @property
    def lines(self) -> int:
        """Return how many lines the file holds (created, changed or already as in the file)."""
        return self.created + self.updated + self.unchanged


@dataclass
class Sheet:
    """The rows read from the file, with each row's number in the spreadsheet."""

    rows: list[tuple[int, list]] = field(default_factory=list)


def _refuse(message: str):
    raise BudgetImportError([RowError(None, None, message)])


def _megabytes(size: int) -> str:
    """Return a file size the French way: « 800 Ko », « 5,0 Mo »."""
    if size < 1024 * 1024:
        return f"{-(-size // 1024)}\u00a0Ko"
    return f"{size / (1024 * 1024):.1f}".replace(".", ",") + "\u00a0Mo"


def read_upload(uploaded_file) -> tuple[str, bytes]:
    """Return the file's name and content, refusing an empty or oversized file."""
    name = getattr(uploaded_file, "name", "") or ""
    limit = _setting("BUDGET_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        _refuse(_("Le fichier pèse %(size)s : la limite est de %(limit)s.") % {
            "size": _megabytes(size), "limit": _megabytes(limit)})
    uploaded_file.seek(0)
    content = uploaded_file.read(limit + 1)
    if len(content) > limit:
        _refuse(_("Le fichier dépasse la limite de %(limit)s.") % {"limit": _megabytes(limit)})
    if not content.strip():
        _refuse(_("Le fichier est vide."))
    return name, content


def read_sheet(name: str, content: bytes) -> Sheet:
    """Return the rows of an XLSX or CSV file, after the safety checks."""
    lower = name.lower()
    if content.startswith(b"\xd0\xcf\x11\xe0") or lower.endswith(".xls"):
        _refuse(_("Le format Excel 97-2003 (.xls) n'est pas accepté : enregistrez le classeur au format .xlsx "
                  "ou .csv."))
    if lower.endswith(".ods"):
        _refuse(_("Le format OpenDocument (.ods) n'est pas accepté : enregistrez le classeur au format .xlsx "
                  "ou .csv."))
    if content.startswith(b"PK\x03\x04") or lower.endswith(".xlsx"):
        return _read_xlsx(content)
    return _read_csv(content)


def _check_zip(content: bytes) -> None:
    """Refuse a zip whose central directory announces an absurd uncompressed size (zip bomb).

    Python's zipfile never inflates a member past the size its directory announces, so
    checking the directory before openpyxl opens the file bounds what reading can cost.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError):
        _refuse(_("Le fichier n'est pas un classeur Excel (.xlsx) valide."))
    entries = archive.infolist()
    limit = _setting("BUDGET_IMPORT_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES)
    total = sum(entry.file_size for entry in entries)
    if len(entries) > MAX_ZIP_ENTRIES or total > limit:
        _refuse(_("Le classeur décompressé occuperait %(size)s (limite : %(limit)s) : il est refusé par "
                  "sécurité.") % {"size": _megabytes(total), "limit": _megabytes(limit)})
    if "xl/workbook.xml" not in archive.namelist():
        _refuse(_("Le fichier n'est pas un classeur Excel (.xlsx) valide."))


def _read_xlsx(content: bytes) -> Sheet:
    from openpyxl import load_workbook

    _check_zip(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors on a damaged file
        logger.info("unreadable budget workbook", exc_info=True)
        _refuse(_("Le classeur n'a pas pu être lu : vérifiez qu'il s'agit bien d'un fichier .xlsx."))
    try:
        worksheet = _pick_sheet(workbook)
        max_rows = _setting("BUDGET_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
        sheet = Sheet()
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if number > max_rows + 1:
                _refuse(_("Le fichier compte plus de %(max)s lignes : découpez-le.") % {"max": max_rows})
            sheet.rows.append((number, list(values)))
        return sheet
    finally:
        workbook.close()


def _pick_sheet(workbook):
    """Return the sheet named « Budget », else the first one whose header has our columns."""
    for worksheet in workbook.worksheets:
        if worksheet.title.strip().lower() == SHEET_NAME.lower():
            return worksheet
    for worksheet in workbook.worksheets:
        for values in worksheet.iter_rows(values_only=True, max_row=20):
            if values and set(REQUIRED_COLUMNS) <= {HEADER_LOOKUP.get(_normalise_header(v)) for v in values}:
                return worksheet
    _refuse(_("Le classeur n'a pas de feuille « %(sheet)s » ni de feuille avec les colonnes « Compte » et "
              "« Montant » (feuilles trouvées : %(sheets)s). Utilisez le modèle à télécharger.") % {
        "sheet": SHEET_NAME, "sheets": ", ".join(f"« {ws.title} »" for ws in workbook.worksheets)})


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in content:
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                return content.decode("cp1252")
            except UnicodeDecodeError:
                pass
    _refuse(_("L'encodage du fichier CSV n'est pas reconnu : enregistrez-le en « CSV UTF-8 » ou au format .xlsx."))


def _read_csv(content: bytes) -> Sheet:
    text = _decode(content)
    lines = text.splitlines()
    header = next((line for line in lines if line.strip()), "")
    delimiter = max(";\t,", key=header.count) if any(sep in header for sep in ";\t,") else ";"
    max_rows = _setting("BUDGET_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS)
    sheet = Sheet()
    try:
        for values in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            number = len(sheet.rows) + 1
            if number > max_rows + 1:
                _refuse(_("Le fichier compte plus de %(max)s lignes : découpez-le.") % {"max": max_rows})
            sheet.rows.append((number, values))
    except csv.Error:
        _refuse(_("Le fichier CSV est mal formé (guillemets non refermés ?)."))
    return sheet


def to_dataset(sheet: Sheet) -> tuple[tablib.Dataset, dict[int, int]]:
    """Return the filled rows as a dataset with our column names, and each row's file number."""
    rows = iter(sheet.rows)
    found = next(((number, values) for number, values in rows if any(not _blank(v) for v in values)), None)
    if found is None:
        _refuse(_("Le fichier est vide."))
    header_number, header = found
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        column = HEADER_LOOKUP.get(_normalise_header(value))
        if column is None or column == COL_CHAPTER:
            continue
        if column in positions:
            _refuse(_("La colonne « %(column)s » figure deux fois (ligne %(row)s).") % {
                "column": column, "row": header_number})
        positions[column] = index
    missing = [column for column in REQUIRED_COLUMNS if column not in positions]
    if missing:
        _refuse(_("Colonne(s) absente(s) : %(columns)s. La première ligne doit porter les titres du modèle "
                  "(Compte, Libellé, Montant…).") % {"columns": ", ".join(f"« {c} »" for c in missing)})
    columns = [c for c in (COL_CODE, COL_LABEL, COL_AMOUNT, COL_FUNDING, COL_GRANTING, COL_EXPLANATION)
               if c in positions or c == COL_LABEL]
    dataset = tablib.Dataset(headers=columns)
    file_rows = {}
    for number, values in rows:
        cells = {c: (values[positions[c]] if c in positions and positions[c] < len(values) else None) for c in columns}
        if _blank(cells[COL_AMOUNT]) and not _asked(cells.get(COL_FUNDING)):
            continue  # a line of the template left empty, or a chapter heading (a co-funder asked: not given)
        dataset.append([cells[c] for c in columns])
        file_rows[len(dataset)] = number
    if not len(dataset):
        _refuse(_("Le fichier ne contient aucune ligne remplie : saisissez les montants dans la colonne "
                  "« Montant »."))
    return dataset, file_rows


def _asked(value) -> bool:
    """Return True for « Demandé »: a co-funder asked whose amount, left empty, is not given yet."""
    return isinstance(value, str) and value.strip().lower().replace("é", "e") in ("demande", "requested")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def import_lines(*, budget, uploaded_file, user) -> ImportSummary:
    """Import the file's lines into ``budget`` (in the caller's transaction), or raise."""
    name, content = read_upload(uploaded_file)
    dataset, file_rows = to_dataset(read_sheet(name, content))
    existing = set(BudgetLine.objects.filter(budget=budget).values_list("pk", flat=True))
    resource = BudgetLineImportResource(budget=budget, user=user, file_rows=file_rows)
    result = resource.import_data(dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True)
    errors = _errors(resource, result)
    if errors:
        raise BudgetImportError(errors)
    obsolete = existing - resource.matched_pks
    if obsolete:
        delete_with_history(BudgetLine.objects.filter(pk__in=obsolete), user=user)
    return ImportSummary(name, result.totals["new"], result.totals["update"], len(obsolete), result.totals["skip"])


def _errors(resource: BudgetLineImportResource, result) -> list[RowError]:
    errors = []
    for error in result.base_errors:
        logger.warning("budget import failed: %r", error.error)
        errors.append(RowError(None, None, _("Le fichier n'a pas pu être enregistré ; aucune ligne n'a été importée.")))
    for number, row_errors in result.row_errors():
        for error in row_errors:
            logger.warning("budget import row %s failed: %r", number, error.error)
            errors.append(RowError(resource.file_row(number), None, _("cette ligne n'a pas pu être lue.")))
    for invalid in result.invalid_rows:
        for field_name, messages in invalid.error_dict.items():
            column = None if field_name == NON_FIELD_ERRORS else resource.COLUMN_OF_FIELD.get(field_name)
            errors.extend(RowError(resource.file_row(invalid.number), column, message) for message in messages)
    return sorted(errors, key=lambda e: (e.row or 0, e.column or ""))
