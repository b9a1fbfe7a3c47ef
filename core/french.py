"""French typography of dates and names, for every printed or displayed sentence.

« 6 mars 2023 », « 1er mars 2023 », « mars 2023 »; « de la Métropole », « du Département ».
"""

from django.template.defaultfilters import date as date_filter
from django.utils import translation

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre")


def french_date(day) -> str:
    """Return « 6 mars 2023 » (« 1er mars 2023 » on the first of the month)."""
    if day is None:
        return ""
    with translation.override("fr"):
        text = date_filter(day, "j F Y")
    return "1er" + text[1:] if day.day == 1 else text


def month_name(month: int) -> str:
    """Return the French name of ``month`` (1 to 12): « mars »."""
    return MONTHS[month - 1]


def with_preposition(preposition: str, name: str) -> str:
    """Return « de la Métropole », « du Département », « à la Métropole », « au Département »."""
    contracted = {("de", "le "): "du ", ("de", "les "): "des ", ("à", "le "): "au ", ("à", "les "): "aux "}
    for article in ("le ", "les "):
        if name.lower().startswith(article):
            return contracted[(preposition, article)] + name[len(article):]
    return f"{preposition} {name}"
