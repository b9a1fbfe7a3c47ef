"""French typography of dates and years, in one place for screens, PDFs and exports.

« 1er décembre 2026 » (the first of the month is an ordinal in French), « 6 mars 2023 »; a
year is a label, never a quantity: « exercice 2023 », not the « 2 023 » that number
localisation (``USE_THOUSAND_SEPARATOR``) prints for an integer.
"""

from datetime import date, datetime

from django.utils import timezone, translation
from django.utils.dateformat import format as date_filter


def french_date(day: date | None) -> str:
    """Return « 6 mars 2023 », « 1er mars 2023 » on the first of the month, « » for None."""
    if day is None:
        return ""
    with translation.override("fr"):
        text = date_filter(day, "j F Y")
    return "1er" + text[1:] if day.day == 1 else text


def french_datetime(moment: datetime | None) -> str:
    """Return « 1er décembre 2026 à 14:05 » in the local time zone, « » for None."""
    if moment is None:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{french_date(moment.date())} à {moment:%H:%M}"


def french_today() -> str:
    """Return today's date in the local time zone, the French way (« 1er décembre 2026 »)."""
    return french_date(timezone.localdate())


MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def month_name(month: int) -> str:
    """Return the French name of ``month`` (1 to 12): « mars »."""
    return MONTHS[month - 1]


def format_year(year) -> str:
    """Return a year as printed, without any thousands separator: 2023 → « 2023 »."""
    if year is None:
        return ""
    return str(year)  # str() of an int never groups digits; a label (« 2019-2022 ») is kept as is
