"""Indicator rules in one place (DOMAIN.md §6): what a figure may be, how the parts add up.

Every check on reported figures lives here: the portal form, the staff admin and the services
call :func:`report_errors`; nothing else decides whether a report's figures are acceptable.
Errors are returned keyed by :func:`field_name`, the name of the form field concerned.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal

from django.utils.translation import gettext as _

from core.money import format_decimal_fr, ratio
from indicators.choices import PART_LABELS, Role, ValueType

#: Reported figures are stored with 16 digits, 2 of them decimals.
MAX_FIGURE = Decimal("1e14")
#: A change from one year to the next beyond this share is highlighted for the reviewer.
NOTABLE_CHANGE = Decimal("0.20")
PERCENT_MAX = Decimal("100")


@dataclass(frozen=True)
class Figures:
    """What was reported for one indicator: a total and its split, or a text."""

    total: Decimal | None = None
    women: Decimal | None = None
    men: Decimal | None = None
    not_stated: Decimal | None = None
    text: str = ""

    @classmethod
    def of(cls, value) -> "Figures":
        """Return the figures held by an ``IndicatorValue`` or ``SubmittedValue`` (or none)."""
        if value is None:
            return cls()
        return cls(**{f.name: getattr(value, f.name) for f in fields(cls)})

    def get(self, part: str):
        return getattr(self, part)

    @property
    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, "") for f in fields(self))

    @property
    def has_split(self) -> bool:
        return self.women is not None or self.men is not None


def field_name(definition, part: str) -> str:
    """Return the name of the form field holding ``part`` of ``definition``'s figures."""
    return f"{definition.code}__{part}"


def display_number(value: Decimal | None) -> str:
    """Return a figure the French way, without trailing zero decimals: ``110 000``, ``12,5``."""
    if value is None:
        return "—"
    value = Decimal(value)
    return format_decimal_fr(value, _places(value))


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def figure_errors(definition, value: Decimal) -> list[str]:
    """Return what is wrong with one figure of ``definition``, in French."""
    errors = []
    if value < 0:
        errors.append(_("La valeur ne peut pas être négative."))
    if abs(value) >= MAX_FIGURE:
        errors.append(_("Ce nombre est trop grand."))
    if definition.value_type == ValueType.COUNT and value != value.to_integral_value():
        errors.append(_("Saisissez un nombre entier, sans décimale."))
    elif _places(value) > 2:
        errors.append(_("Saisissez au plus deux décimales."))
    if definition.value_type == ValueType.PERCENTAGE and not Decimal("0") <= value <= PERCENT_MAX:
        errors.append(_("Le pourcentage doit être compris entre 0 et 100."))
    return errors


def report_errors(definitions: Iterable, figures: Mapping[str, Figures], *, submitting: bool) -> dict[str, list[str]]:
    """Return every error in ``figures`` (keyed by definition code) for a report of ``definitions``.

    A draft may be incomplete; ``submitting`` adds the checks a submission needs: every
    required figure present, and the totals that parts and bands are checked against.
    """
    definitions = list(definitions)
    errors: dict[str, list[str]] = {}

    def add(definition, part, message):
        errors.setdefault(field_name(definition, part), []).append(message)

    children: dict[int, list] = {}
    for definition in definitions:
        if definition.parent_id:
            children.setdefault(definition.parent_id, []).append(definition)

    for definition in definitions:
        entry = figures.get(definition.code) or Figures()
        for part in definition.parts:
            value = entry.get(part)
            if part == "text":
                if submitting and definition.is_required and not value.strip():
                    add(definition, part, _("Cette réponse est obligatoire pour transmettre le rapport."))
                continue
            if value is None:
                if submitting and definition.is_required and part != "not_stated":
                    add(definition, part, _("Ce chiffre est obligatoire pour transmettre le rapport."))
                continue
            for message in figure_errors(definition, value):
                add(definition, part, message)
        if definition.split_by_sex and definition.is_numeric:
            _check_split(definition, entry, add)
        kids = children.get(definition.pk, [])
        _check_bands(definition, entry, [k for k in kids if k.role == Role.BAND], figures, add, submitting)
        _check_parts(definition, entry, [k for k in kids if k.role == Role.OF_WHICH], figures, add, submitting)
    return errors


def _check_split(definition, entry: Figures, add) -> None:
    """Women + men + not stated = total."""
    parts = [entry.women, entry.men, entry.not_stated]
    if all(p is None for p in parts):
        return
    if entry.total is None:
        add(definition, "total", _("Indiquez le total : il doit être égal à femmes + hommes + non renseigné."))
        return
    split_sum = sum((p for p in parts if p is not None), Decimal("0"))
    if split_sum != entry.total:
        add(definition, "total", _(
            "Femmes (%(women)s) + hommes (%(men)s) + non renseigné (%(not_stated)s) = %(sum)s, "
            "différent du total (%(total)s)."
        ) % {
            "women": display_number(entry.women or 0), "men": display_number(entry.men or 0),
            "not_stated": display_number(entry.not_stated or 0), "sum": display_number(split_sum),
            "total": display_number(entry.total),
        })


def _check_bands(definition, entry: Figures, bands: list, figures, add, submitting: bool) -> None:
    """The bands (company size…) add up to the parent's total."""
    given = [figures[b.code].total for b in bands if b.code in figures and figures[b.code].total is not None]
    if not given:
        return
    if entry.total is None:
        if submitting:
            add(definition, "total", _("Indiquez le total : la somme des tranches doit lui être égale."))
        return
    band_sum = sum(given, Decimal("0"))
    if band_sum != entry.total:
        add(definition, "total", _("La somme des tranches (%(sum)s) est différente du total (%(total)s).") % {
            "sum": display_number(band_sum), "total": display_number(entry.total),
        })


def _check_parts(definition, entry: Figures, parts: list, figures, add, submitting: bool) -> None:
    """Each « dont » part is at most the parent's total."""
    for part in parts:
        value = figures.get(part.code, Figures()).total
        if value is None:
            continue
        if entry.total is None:
            if submitting:
                add(part, "total", _("Indiquez d'abord le total de « %(label)s ».") % {"label": definition.label})
        elif value > entry.total:
            add(part, "total", _("« %(part)s » (%(value)s) ne peut pas dépasser le total (%(total)s).") % {
                "part": part.label, "value": display_number(value), "total": display_number(entry.total),
            })


def definition_errors(definition) -> dict[str, list[str]]:
    """Return what is inconsistent in an indicator's definition (checked in the admin)."""
    errors: dict[str, list[str]] = {}
    parent = definition.parent if definition.parent_id else None
    if definition.role == Role.MAIN:
        if parent is not None:
            errors["parent"] = [_("Un indicateur principal n'a pas d'indicateur parent.")]
    elif parent is None:
        errors["parent"] = [_("Une tranche ou une part « dont » doit avoir un indicateur parent.")]
    else:
        if parent.role != Role.MAIN:
            errors["parent"] = [_("L'indicateur parent doit être un indicateur principal.")]
        elif parent.indicator_set_id != definition.indicator_set_id:
            errors["parent"] = [_("L'indicateur parent doit appartenir au même jeu.")]
        elif parent.value_type != definition.value_type or not parent.is_numeric:
            errors["value_type"] = [_("Une tranche ou une part « dont » a le type, numérique, de son indicateur parent.")]
        if definition.split_by_sex:
            errors["split_by_sex"] = [_("Seul l'indicateur principal est ventilé femmes / hommes.")]
    if definition.split_by_sex and definition.value_type not in (ValueType.COUNT, ValueType.AMOUNT):
        errors.setdefault("split_by_sex", []).append(
            _("Seuls les nombres et les montants peuvent être ventilés femmes / hommes.")
        )
    return errors


@dataclass(frozen=True)
class Change:
    """How a figure moved since an earlier report."""

    delta: Decimal
    share: Decimal | None

    @property
    def is_notable(self) -> bool:
        """Return True when the figure moved by more than :data:`NOTABLE_CHANGE` (or from zero)."""
        if self.share is None:
            return self.delta != 0
        return abs(self.share) > NOTABLE_CHANGE


def change_between(current: Decimal | None, previous: Decimal | None) -> Change | None:
    """Return the change from ``previous`` to ``current``, or None when one is missing."""
    if current is None or previous is None:
        return None
    delta = Decimal(current) - Decimal(previous)
    return Change(delta=delta, share=ratio(delta, previous))


__all__ = [
    "Figures", "field_name", "display_number", "figure_errors", "report_errors", "definition_errors",
    "Change", "change_between", "PART_LABELS", "NOTABLE_CHANGE",
]
