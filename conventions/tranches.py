"""The yearly schedule of a multi-year agreement (convention pluriannuelle d'objectifs, DOMAIN.md §11.7).

A multi-year agreement runs up to four years; each year is a tranche (``conventions.models.Tranche``)
with its own amount and its own vote. This module is the one home of the rules on a schedule:

- which years an agreement's period covers (``period_years``), and that a multi-year period
  covers at most four (``multiannual_period_refusal``, called by ``Convention.clean``);
- what a schedule may hold (``schedule_refusals``): years within the period, one tranche a year,
  at most four, and none for a one-year agreement;
- the agreement's total: **the total is the sum of its years** (``tranches_total``). A multi-year
  agreement's ``amount_granted`` is never typed: ``conventions.services.convention_tranches_save``
  writes this sum, so every existing rule that reads the amount granted (amount in force, shares,
  open data, thresholds) reads the schedule's total. A year whose amount is not known yet is left
  out of the total and counted apart (« dont 1 montant non renseigné »), never counted as 0;
- what changes once a year is voted or the agreement signed (``tranche_change_refusal``): a voted
  year's amount changes only through an amendment.

It reads objects' attributes only (no query), so the models may call it.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.utils.translation import gettext as _

from core.money import format_euros, round_cents

#: A multi-year agreement runs up to four years.
MAX_YEARS = 4


def period_years(convention) -> list[int]:
    """Return the calendar years the agreement's period covers (its fiscal year without a period)."""
    start, end = convention.period_start, convention.period_end
    if start is None or end is None or end < start:
        return [convention.fiscal_year] if convention.fiscal_year else []
    return list(range(start.year, end.year + 1))


def multiannual_period_refusal(convention) -> str | None:
    """Return why the agreement's period does not fit a multi-year agreement, or None."""
    if not convention.is_multiannual:
        return None
    if convention.period_start is None or convention.period_end is None:
        return _("Une convention pluriannuelle indique sa période (début et fin).")
    years = period_years(convention)
    if len(years) > MAX_YEARS:
        return _("Une convention pluriannuelle dure au plus %(max)s ans ; cette période en couvre %(count)s "
                 "(%(first)s à %(last)s).") % {"max": MAX_YEARS, "count": len(years), "first": years[0],
                                                "last": years[-1]}
    if convention.fiscal_year and convention.fiscal_year != years[0]:
        return _("L'exercice d'une convention pluriannuelle est sa première année (%(year)s).") % {"year": years[0]}
    return None


def schedule_refusals(convention, years: Iterable[int | None]) -> list[str]:
    """Return, in French, why a schedule with these ``years`` is refused for ``convention`` (empty: accepted)."""
    years = list(years)
    if not years:
        return []
    if not convention.is_multiannual:
        return [_("Une convention annuelle n'a pas de tranches annuelles : cochez « pluriannuelle » "
                  "et indiquez sa période.")]
    refusals = []
    if None in years:
        refusals.append(_("Chaque tranche indique son année."))
    known = [year for year in years if year is not None]
    allowed = period_years(convention)
    outside = sorted({year for year in known if year not in allowed})
    if outside:
        refusals.append(_("Année hors de la période de la convention (%(first)s à %(last)s) : %(years)s.") % {
            "first": allowed[0], "last": allowed[-1], "years": ", ".join(map(str, outside))})
    twice = sorted({year for year in known if known.count(year) > 1})
    if twice:
        refusals.append(_("Une seule tranche par année : %(years)s en a plusieurs.") % {
            "years": ", ".join(map(str, twice))})
    if len(years) > MAX_YEARS:
        refusals.append(_("Une convention pluriannuelle a au plus %(max)s tranches annuelles (%(count)s saisies).")
                        % {"max": MAX_YEARS, "count": len(years)})
    return refusals


def tranches_total(amounts: Iterable[Decimal | None]) -> Decimal | None:
    """Return the agreement's total: the sum of its years' known amounts (None when none is known).

    An amount not given is left out (``unknown_amounts`` counts it), never taken as 0.
    """
    known = [amount for amount in amounts if amount is not None]
    return round_cents(sum(known, Decimal("0"))) if known else None


def unknown_amounts(amounts: Iterable[Decimal | None]) -> int:
    """Return how many years' amounts the total leaves out because they are not given."""
    return sum(1 for amount in amounts if amount is None)


def total_shown(amounts: Iterable[Decimal | None]) -> str:
    """Return the total in French, with the years it leaves out: « 150 000 € (dont 1 montant non renseigné) »."""
    amounts = list(amounts)
    total, unknown = tranches_total(amounts), unknown_amounts(amounts)
    if unknown and total is not None:
        return _("%(total)s (hors %(count)s montant(s) non renseigné(s))") % {
            "total": format_euros(total), "count": unknown}
    return format_euros(total)


def tranche_change_refusal(*, stored, year: int | None, amount: Decimal | None, signed: bool) -> str | None:
    """Return why ``stored`` (a saved tranche) may not take this year and amount, or None.

    A voted year keeps its year and its amount: only an amendment changes what was voted
    (``Amendment.tranche``). Once the agreement is signed, the schedule it printed is frozen the same way.
    """
    if stored is None:
        if signed:
            return _("La convention est signée : une tranche ne peut plus être ajoutée que par un avenant.")
        return None
    changed = stored.year != year or stored.amount != amount
    if not changed:
        return None
    if stored.voted_at is not None:
        return _("Le montant de l'année %(year)s est voté (%(amount)s) : il ne peut être modifié que par un "
                 "avenant.") % {"year": stored.year, "amount": format_euros(stored.amount)}
    if signed:
        return _("La convention est signée : le montant de l'année %(year)s ne peut être modifié que par un "
                 "avenant.") % {"year": stored.year}
    return None
