"""Due dates derived from the association's fiscal year and the agreement (DOMAIN.md §7)."""

import calendar
from datetime import date

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

JUSTIFICATION_DELAY_MONTHS = 6

#: The years an agreement, an indicator set or a report may be about. Past them no due date can
#: be computed (« year 99999 is out of range »): a year typed 99999, or 2**63, was saved on
#: SQLite, and every page that computes a deadline from it was a server error.
FIRST_YEAR, LAST_YEAR = 1990, 2100
_YEAR_MESSAGE = _("L'année doit être comprise entre 1990 et 2100.")  # FIRST_YEAR and LAST_YEAR
YEAR_RANGE = [MinValueValidator(FIRST_YEAR, message=_YEAR_MESSAGE), MaxValueValidator(LAST_YEAR, message=_YEAR_MESSAGE)]
#: A month of the year (the association's fiscal year ends on the last day of one).
_MONTH_MESSAGE = _("Le mois doit être compris entre 1 et 12.")
MONTH_RANGE = [MinValueValidator(1, message=_MONTH_MESSAGE), MaxValueValidator(12, message=_MONTH_MESSAGE)]


def add_months(day: date, months: int) -> date:
    """Return ``day`` moved by ``months``, clamped to the end of the month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def fiscal_year_end(convention, year: int | None = None) -> date:
    """Return the last day of the association's fiscal year the agreement funds (``year``: one year of a
    multi-year agreement; by default the agreement's fiscal year)."""
    month = convention.beneficiary.fiscal_year_end_month
    year = year or convention.fiscal_year
    return date(year, month, calendar.monthrange(year, month)[1])


def justification_due_date(convention, year: int | None = None) -> date:
    """Return the date by which the art. 6.2 documents, the financial report and the
    indicators are due: six months after the end of the fiscal year (of ``year``, if given)."""
    end = fiscal_year_end(convention, year)
    return add_months(end.replace(day=1), JUSTIFICATION_DELAY_MONTHS + 1) - date.resolution
