"""Due dates derived from the association's fiscal year and the agreement (DOMAIN.md §7)."""

import calendar
from datetime import date

JUSTIFICATION_DELAY_MONTHS = 6


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
