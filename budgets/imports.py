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
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import tablib
from defusedxml import DefusedXmlException
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from simple_history.utils import bulk_update_with_history

from budgets.bounds import MAX_BUDGET_LINES, too_many_file_rows_error, too_many_lines_error
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
from budgets.rules import lines_to_link
from core.audit import delete_with_history

logger = logging.getLogger(__name__)

SHEET_NAME = "Budget"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
#: Files inside one workbook: Excel writes about ten, LibreOffice about fifteen.
MAX_ZIP_ENTRIES = 500
#: Rows of a sheet read before giving up: a sheet of 20 000 lines (issue 5) is refused with its
#: count (« ce fichier en contient 20 000 »), one of a million rows stops being parsed at 25 000
#: rows (about half a second). Lines past ``MAX_BUDGET_LINES`` are counted, never kept.
MAX_SCANNED_ROWS = 25_000
#: Bytes inflated at a time when the parts of a workbook are scanned before openpyxl reads them.
SCAN_CHUNK = 64 * 1024
#: A document type declaration, which no Excel or LibreOffice part has: it is what a « billion
#: laughs » (entities expanding into gigabytes) or an external entity (reading a server file)
#: needs. Looked for in UTF-8 and UTF-16, the encodings an XML parser reads without being told.
DOCTYPE_MARKERS = tuple(b"<!doctype".decode().encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))

#: What openpyxl and the XML and zip modules under it raise on a damaged or hostile workbook:
#: a truncated or malformed part (ParseError), an entity or DTD refused by defusedxml (a
#: ValueError), a part named by the workbook but missing from the zip (KeyError), no workbook
#: part declared (OSError), a damaged deflate stream or CRC (zlib.error, BadZipFile, EOFError),
#: an unknown zip version or compression (NotImplementedError), a value of the wrong type in a
#: part (TypeError, ValueError, IndexError). Anything else is a bug of ours, and is left to raise.
XLSX_READ_ERRORS = (ParseError, DefusedXmlException, InvalidFileException, zipfile.BadZipFile, zlib.error,
                    EOFError, OSError, NotImplementedError, KeyError, TypeError, ValueError, IndexError)

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

    @classmethod
    def of(cls, error: ValidationError) -> "BudgetImportError":
        """Return a refusal of the whole file carrying ``error``'s messages (a bound's, for instance)."""
        return cls([RowError(None, None, message) for message in error.messages])


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
    """The rows of the file, with each row's number in the spreadsheet, read as they are consumed."""

    rows: Iterable[tuple[int, list]] = field(default_factory=list)


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


def _unreadable_xlsx(exc: BaseException):
    """Log why a workbook could not be read, and refuse it in French."""
    logger.info("unreadable budget workbook: %r", exc)
    _refuse(_("Le classeur n'a pas pu être lu : il est abîmé ou incomplet. Enregistrez-le de nouveau au "
              "format .xlsx depuis votre tableur, ou utilisez le modèle à télécharger."))


def _check_zip(content: bytes) -> None:
    """Refuse a zip bomb, a zip that is not a workbook, and any part carrying a DTD, before openpyxl opens it.

    The central directory is checked first (number of files, uncompressed size); Python's zipfile
    never inflates a member past the size the directory announces, so scanning every part then
    costs at most that size, a chunk at a time.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        _refuse(_("Le fichier n'est pas un classeur Excel (.xlsx) valide."))
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        _refuse(_("Le classeur contient %(count)s fichiers internes (limite : %(limit)s) : il est refusé par "
                  "sécurité.") % {"count": len(entries), "limit": MAX_ZIP_ENTRIES})
    limit = _setting("BUDGET_IMPORT_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES)
    total = sum(entry.file_size for entry in entries)
    if total > limit:
        _refuse(_("Le classeur décompressé occuperait %(size)s (limite : %(limit)s) : il est refusé par "
                  "sécurité.") % {"size": _megabytes(total), "limit": _megabytes(limit)})
    if "xl/workbook.xml" not in archive.namelist():
        _refuse(_("Le fichier n'est pas un classeur Excel (.xlsx) valide."))
    try:
        for entry in entries:
            if _has_doctype(archive, entry):
                logger.warning("budget workbook refused: a DTD in %s", entry.filename)
                _refuse(_("Le classeur contient une déclaration de type de document (DTD), qu'aucun tableur "
                          "n'écrit : il est refusé par sécurité. Enregistrez-le de nouveau au format .xlsx "
                          "depuis votre tableur."))
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        _unreadable_xlsx(exc)  # a damaged deflate stream, a bad CRC, an unknown compression, encryption


def _has_doctype(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    """Return True if the part ``entry`` contains ``<!DOCTYPE`` (any case), reading it a chunk at a time.

    Every part is read, whatever its name: a workbook may declare any extension as XML.
    """
    overlap = max(len(marker) for marker in DOCTYPE_MARKERS) - 1
    tail = b""
    with archive.open(entry) as part:
        while chunk := part.read(SCAN_CHUNK):
            window = (tail + chunk).lower()
            if any(marker in window for marker in DOCTYPE_MARKERS):
                return True
            tail = window[-overlap:]
    return False


def _read_xlsx(content: bytes) -> Sheet:
    _check_zip(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        worksheet = _pick_sheet(workbook)
    except XLSX_READ_ERRORS as exc:
        _unreadable_xlsx(exc)
    return Sheet(rows=_xlsx_rows(workbook, worksheet))


def _xlsx_rows(workbook, worksheet) -> Iterator[tuple[int, list]]:
    """Yield the sheet's rows as they are parsed (read-only mode: one row in memory at a time)."""
    try:
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            yield number, list(values)
    except XLSX_READ_ERRORS as exc:
        _unreadable_xlsx(exc)
    finally:
        workbook.close()


def _pick_sheet(workbook):
    """Return the sheet named « Budget », else the first one whose header has our columns."""
    if not workbook.worksheets:  # openpyxl leaves out a sheet the workbook names but the zip lacks
        _refuse(_("Le classeur ne contient aucune feuille lisible : il est abîmé ou incomplet. Enregistrez-le de "
                  "nouveau au format .xlsx depuis votre tableur, ou utilisez le modèle à télécharger."))
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
    return Sheet(rows=_csv_rows(text, delimiter))


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, list]]:
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True), start=1)
    except csv.Error:
        _refuse(_("Le fichier CSV est mal formé (guillemets non refermés ?)."))


def _scanned(rows: Iterable[tuple[int, list]]) -> Iterator[tuple[int, list]]:
    """Yield ``rows`` up to ``MAX_SCANNED_ROWS``, then refuse the file; close the reader in any case."""
    iterator = iter(rows)
    try:
        for number, values in iterator:
            if number > MAX_SCANNED_ROWS:
                raise BudgetImportError.of(too_many_file_rows_error(MAX_SCANNED_ROWS))
            yield number, values
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def to_dataset(sheet: Sheet) -> tuple[tablib.Dataset, dict[int, int]]:
    """Return the filled rows as a dataset with our column names, and each row's file number.

    Rows are read as they come: at most ``MAX_BUDGET_LINES`` filled lines are kept, the others
    only counted, and reading stops at ``MAX_SCANNED_ROWS``.
    """
    rows = _scanned(sheet.rows)
    try:
        return _dataset(rows)
    finally:
        rows.close()


def _dataset(rows: Iterator[tuple[int, list]]) -> tuple[tablib.Dataset, dict[int, int]]:
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
    filled = 0
    for number, values in rows:
        cells = {c: (values[positions[c]] if c in positions and positions[c] < len(values) else None) for c in columns}
        if _blank(cells[COL_AMOUNT]) and not _asked(cells.get(COL_FUNDING)):
            continue  # a line of the template left empty, or a chapter heading (a co-funder asked: not given)
        filled += 1
        if filled > MAX_BUDGET_LINES:
            continue  # counted for the message, never kept
        dataset.append([cells[c] for c in columns])
        file_rows[len(dataset)] = number
    if filled > MAX_BUDGET_LINES:
        raise BudgetImportError.of(too_many_lines_error(filled, in_file=True))
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
    if budget.is_actual:  # a row of the forecast's account and label realises that forecast line
        linked = lines_to_link(BudgetLine, budget_ids=[budget.pk])
        if linked:
            bulk_update_with_history(linked, BudgetLine, ["forecast_line"], default_user=user)
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
