"""The annex table of a deliberation: one function builds its rows and totals; the PDF and the XLSX read it.

Columns: beneficiary, action, what the funder gave the beneficiary the year before, the action's
budget (its charges, ``budgets.rules``), the amount requested, the amount proposed (and, once
voted, the amount voted), and whether a written agreement is owed (the cumulated 23 000 € rule,
``deliberations.rules``). The totals are summed by the database and checked against the rows
(``check_annex_totals``): a table whose totals would not match its rows is never produced.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from budgets.rules import block_annotations
from compliance.checks import WRITTEN_AGREEMENT_THRESHOLD
from core.dates import french_date
from core.french import count_of, with_preposition
from core.money import ZERO, format_euros
from core.pdf import render_pdf
from deliberations.models import Deliberation, DeliberationLine, LineOutcome
from deliberations.rules import agreement_required, previous_year_amounts, year_totals

#: The amount columns of the table, in order: each has a total.
AMOUNT_COLUMNS = ("previous_year", "action_budget", "requested", "proposed", "voted")


@dataclass(frozen=True)
class AnnexRow:
    beneficiary: str
    action: str
    previous_year: Decimal | None  # None on a beneficiary's second row: given on its first
    action_budget: Decimal | None
    requested: Decimal | None
    proposed: Decimal
    voted: Decimal | None
    agreement: bool | None  # None: not granted at the vote, nothing is drawn
    outcome: str

    @property
    def requested_above_budget(self) -> bool:
        """Return True when the amount requested exceeds the action's whole budget (flagged in the table)."""
        return self.requested is not None and self.action_budget is not None and self.requested > self.action_budget

    @property
    def agreement_label(self) -> str:
        if self.agreement is None:
            return "—"
        return _("oui") if self.agreement else _("non")


@dataclass(frozen=True)
class AnnexTotals:
    previous_year: Decimal = ZERO
    action_budget: Decimal = ZERO
    requested: Decimal = ZERO
    proposed: Decimal = ZERO
    voted: Decimal = ZERO
    unknown: dict = field(default_factory=dict)  # column → how many rows leave it unknown


@dataclass(frozen=True)
class Annex:
    deliberation: Deliberation
    rows: list[AnnexRow]
    totals: AnnexTotals
    year: int | None

    @property
    def is_voted(self) -> bool:
        return not self.deliberation.is_draft

    @property
    def requested_above_budget(self) -> int:
        return sum(1 for row in self.rows if row.requested_above_budget)

    @property
    def agreements(self) -> int:
        return sum(1 for row in self.rows if row.agreement)

    @property
    def rows_label(self) -> str:
        """The totals row's count of subsidies, as the PDF and the XLSX print it (« 1 subvention »)."""
        return count_of(len(self.rows), _("subvention"), _("subventions"))

    @property
    def agreements_label(self) -> str:
        """The totals row's count of agreements owed (« 1 convention », « 2 conventions »)."""
        return count_of(self.agreements, _("convention"), _("conventions"))


class AnnexTotalsMismatch(ValidationError):
    """Raised when the totals of an annex would not be the sum of its rows."""


def check_annex_totals(rows: list[AnnexRow], totals: AnnexTotals) -> None:
    """Refuse (in French) totals that are not the sum of the rows' known amounts, column by column."""
    wrong = []
    for column in AMOUNT_COLUMNS:
        summed = sum((getattr(row, column) for row in rows if getattr(row, column) is not None), ZERO)
        if summed != getattr(totals, column):
            wrong.append(_("%(column)s : lignes %(rows)s, total %(total)s") % {
                "column": COLUMN_LABELS[column], "rows": format_euros(summed),
                "total": format_euros(getattr(totals, column))})
    if wrong:
        raise AnnexTotalsMismatch(
            _("Les totaux de l'annexe ne correspondent pas à ses lignes (%(details)s) : l'annexe n'est pas produite.")
            % {"details": " ; ".join(wrong)}, code="annex_totals")


COLUMN_LABELS = {
    "previous_year": "Montant de l'année précédente", "action_budget": "Budget de l'action", "requested": "Montant demandé",
    "proposed": "Montant proposé", "voted": "Montant voté",
}


def annex_lines(deliberation: Deliberation):
    """Return the deliberation's lines with what the table reads, the action's budget charges annotated.

    Ordered explicitly, by the model's own ordering: Django drops ``Meta.ordering`` from a query with
    GROUP BY (the annotations sum budget lines), and PostgreSQL then returns the rows in any order.
    """
    return (DeliberationLine.objects.filter(deliberation=deliberation)
            .select_related("application__beneficiary", "application__campaign__programme")
            .annotate(**block_annotations("application__budget__lines__", "budget_"))
            .order_by(*DeliberationLine._meta.ordering, "pk"))


def _database_totals(deliberation: Deliberation) -> dict:
    return DeliberationLine.objects.filter(deliberation=deliberation).aggregate(
        proposed=Sum("proposed_amount", default=ZERO),
        voted=Sum("voted_amount", filter=~Q(outcome=LineOutcome.NOT_GRANTED), default=ZERO),
        requested=Sum("application__requested_amount", default=ZERO),
        requested_unknown=Count("pk", filter=Q(application__requested_amount__isnull=True)),
    )


def annex_table(deliberation: Deliberation) -> Annex:
    """Return the annex table of ``deliberation``: its rows and totals, in a fixed number of queries.

    The amounts requested, proposed and voted are totalled by the database; the previous year's
    amounts and the action budgets by the rows they come from. ``check_annex_totals`` then refuses a
    table whose totals are not the sum of its rows.
    """
    lines = list(annex_lines(deliberation))
    funder = deliberation.funder
    pairs = {(line.application.beneficiary_id, line.application.campaign.year) for line in lines}
    totals_by_year = year_totals(funder=funder, pairs=pairs)
    years = {year for _b, year in pairs}
    previous = {}
    for year in years:
        previous.update({(b, year): amount for b, amount in previous_year_amounts(
            funder=funder, beneficiary_ids={b for b, y in pairs if y == year}, year=year).items()})
    voted = not deliberation.is_draft
    rows, seen = [], set()
    for line in lines:
        application = line.application
        key = (application.beneficiary_id, application.campaign.year)
        first_of_beneficiary = key not in seen
        seen.add(key)
        not_granted = line.outcome == LineOutcome.NOT_GRANTED
        charges = line.budget_charges if application.budget_id and line.budget_charges else None
        rows.append(AnnexRow(
            beneficiary=application.beneficiary.name, action=application.action_title,
            # Given once per beneficiary (its first row), so that the total counts it once.
            previous_year=previous[key] if first_of_beneficiary else None, action_budget=charges, requested=application.requested_amount,
            proposed=line.proposed_amount, voted=(None if not_granted else line.voted_amount) if voted else None,
            agreement=None if not_granted else agreement_required(totals_by_year[key]),
            outcome=line.get_outcome_display(),
        ))
    database = _database_totals(deliberation)
    totals = AnnexTotals(
        previous_year=sum((row.previous_year for row in rows if row.previous_year is not None), ZERO),
        action_budget=sum((row.action_budget for row in rows if row.action_budget is not None), ZERO),
        requested=database["requested"], proposed=database["proposed"],
        voted=database["voted"] if voted else ZERO,
        unknown={"requested": database["requested_unknown"],
                 "action_budget": sum(1 for row in rows if row.action_budget is None)},
    )
    check_annex_totals(rows, totals)
    return Annex(deliberation=deliberation, rows=rows, totals=totals, year=min(years) if years else None)


def previous_year_label(annex: Annex) -> str:
    return _("Montant %(year)s") % {"year": annex.year - 1} if annex.year else _("Montant N-1")


def annex_title(annex: Annex) -> str:
    deliberation = annex.deliberation
    return _("Annexe à la délibération n° %(number)s du %(body)s %(funder)s du %(day)s") % {
        "number": deliberation.number or "………", "body": deliberation.get_body_display(),
        "funder": with_preposition("de", deliberation.funder.short_name), "day": french_date(deliberation.session_date)}


def annex_pdf(annex: Annex) -> bytes:
    """Return the annex table as PDF (landscape A4), through the one renderer."""
    return render_pdf("deliberations/pdf/annex.html", {"annex": annex, "title": annex_title(annex),
                                                       "previous_year_label": previous_year_label(annex),
                                                       "threshold": WRITTEN_AGREEMENT_THRESHOLD,
                                                       "deliberation": annex.deliberation})


EURO_FORMAT = '#,##0.00\\ "€"'


def annex_xlsx(annex: Annex) -> bytes:
    """Return the annex table as an XLSX workbook: a title, one row per subsidy, the totals row."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Annexe")
    sheet.append([annex_title(annex)])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([annex.deliberation.subject])
    sheet.append([])
    headers = [_("Bénéficiaire"), _("Action"), previous_year_label(annex), _("Budget de l'action"), _("Montant demandé"),
               _("Montant proposé")]
    if annex.is_voted:
        headers.append(_("Montant voté"))
    headers.append(_("Convention"))
    sheet.append(headers)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in annex.rows:
        values = [row.beneficiary, row.action, row.previous_year, row.action_budget, row.requested, row.proposed]
        if annex.is_voted:
            values.append(row.voted)
        values.append(row.agreement_label)
        sheet.append(values)
    totals = annex.totals
    values = [_("Total"), annex.rows_label, totals.previous_year,
              totals.action_budget, totals.requested, totals.proposed]
    if annex.is_voted:
        values.append(totals.voted)
    values.append(annex.agreements_label)
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    amount_columns = "CDEFG" if annex.is_voted else "CDEF"
    for column in amount_columns:
        for cell in sheet[column][header_row:]:
            cell.number_format = EURO_FORMAT
        sheet.column_dimensions[column].width = 16
    sheet.column_dimensions["A"].width = 38
    sheet.column_dimensions["B"].width = 48
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
