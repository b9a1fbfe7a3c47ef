"""The deliberation that grants the subsidy: what is known of it, whether it is complete, how it prints.

The number and the date of a deliberation are known only after the session (DOMAIN.md §11).
Before, the agreement is prepared with placeholders: a number such as « 2020/.... » or
« à compléter », a date of which only the year, or the year and the month, are known. This
module is the one rule that says:

- whether a number is a placeholder (``number_is_placeholder``);
- what is known of the date (``deliberation_date_of``: the full date, or the year and month
  kept beside it while the day is unknown);
- what the deliberation still lacks (``deliberation_missing``), which the vote's requirement
  « délibération complète » (``dossier.requirements``) gives as its French reason;
- how it prints (``deliberation_text``): in full once complete, otherwise with blanks to fill
  (« la délibération n° ……… du Bureau de la Métropole du ……… mars 2023 »).

It reads the agreement's fields only (no query): the models call it from ``Convention.clean``.
"""

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.dates import french_date, month_name
from core.french import with_preposition

#: What a draft prints where a part of the deliberation is not known yet.
BLANK = "………"

#: Marks that make a typed number a placeholder: dots, an ellipsis, underscores, question marks,
#: « XXX », or words saying the number is still to come.
_PLACEHOLDER_MARKS = re.compile(
    r"\.{2,}|…|_{2,}|\?|x{3,}|\b[àa] (?:compl[ée]ter|pr[ée]ciser|d[ée]finir|venir)\b|\bprovisoire\b|\ben attente\b",
    re.IGNORECASE,
)
_NUMBER_SIGN = re.compile(r"^\s*n\s*°\s*", re.IGNORECASE)


def number_is_placeholder(number: str) -> bool:
    """Return True when ``number`` is not a real deliberation number: empty, or a placeholder.

    « 2020/.... », « DEVT 012-…/23/BM », « à compléter », « ____ », « n° » and « XXX » are
    placeholders; « DEVT 012-3456/23/BM » is a number.
    """
    text = _NUMBER_SIGN.sub("", number or "").strip()
    if not any(character.isalnum() for character in text):
        return True
    return bool(_PLACEHOLDER_MARKS.search(text))


@dataclass(frozen=True)
class DeliberationDate:
    """What is known of the deliberation's date: the full date, or its year (and month)."""

    day: date | None = None
    year: int | None = None
    month: int | None = None

    @property
    def is_complete(self) -> bool:
        return self.day is not None

    def known(self) -> str:
        """Return what is known, in French: « 16 mars 2023 », « mars 2023 », « 2023 » or ""."""
        if self.day is not None:
            return french_date(self.day)
        if self.year and self.month:
            return f"{month_name(self.month)} {self.year}"
        return str(self.year) if self.year else ""

    def printed(self) -> str:
        """Return the date as a draft prints it, the unknown part left blank: « ……… mars 2023 »."""
        if self.day is not None:
            return french_date(self.day)
        return " ".join(filter(None, [BLANK, self.known()]))


def deliberation_date_of(convention) -> DeliberationDate:
    """Return what the agreement knows of its deliberation's date."""
    if convention.deliberation_date is not None:
        return DeliberationDate(day=convention.deliberation_date)
    return DeliberationDate(year=convention.deliberation_year, month=convention.deliberation_month)


def deliberation_missing(convention) -> list[str]:
    """Return, in French, each part the deliberation lacks (empty when it is complete)."""
    missing = []
    if not convention.deliberation_body:
        missing.append(_("l'instance"))
    number = (convention.deliberation_number or "").strip()
    if not number:
        missing.append(_("le numéro"))
    elif number_is_placeholder(number):
        missing.append(_("le numéro (« %(number)s » n'est qu'un numéro provisoire)") % {"number": number})
    when = deliberation_date_of(convention)
    if not when.is_complete:
        if when.month:
            missing.append(_("le jour de la date (seuls le mois et l'année sont connus : %(known)s)")
                           % {"known": when.known()})
        elif when.year:
            missing.append(_("le jour et le mois de la date (seule l'année est connue : %(known)s)")
                           % {"known": when.known()})
        else:
            missing.append(_("la date"))
    return missing


def deliberation_is_complete(convention) -> bool:
    return not deliberation_missing(convention)


def deliberation_text(convention) -> str:
    """Return « la délibération n° … du Bureau de la Métropole du 6 mars 2023 », blanks where unknown."""
    number = (convention.deliberation_number or "").strip()
    if number_is_placeholder(number):
        number = BLANK
    body = convention.get_deliberation_body_display() if convention.deliberation_body else BLANK
    return (
        f"la délibération n° {number} du {body} {with_preposition('de', convention.funder.short_name)} "
        f"du {deliberation_date_of(convention).printed()}"
    )


def deliberation_date_clean(convention) -> None:
    """Check the partial date against the full one; once the full date is known, it alone is kept.

    Raises ``ValidationError`` (French, by field) when the year or month typed contradict the
    full date, or when a month is given without its year.
    """
    day, year, month = convention.deliberation_date, convention.deliberation_year, convention.deliberation_month
    if day is not None:
        if (year and year != day.year) or (month and month != day.month):
            raise ValidationError({"deliberation_date": _(
                "L'année ou le mois saisis ne correspondent pas à la date de la délibération : "
                "une fois la date connue, laissez l'année et le mois vides.")})
        convention.deliberation_year = convention.deliberation_month = None
    elif month and not year:
        raise ValidationError({"deliberation_year": _("Indiquez l'année de la délibération avec son mois.")})
