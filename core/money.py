"""Money: euros with cents as ``Decimal``, rounded once, at the cent, half up (DOMAIN.md §4)."""

from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def round_cents(amount: Decimal) -> Decimal:
    """Round an amount to the cent, half up. The one place where money is rounded."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, not {type(amount).__name__}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    """Return ``part / whole`` unrounded, or None when the whole is zero."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """Return ``percent`` % of ``amount``, rounded at the cent."""
    return round_cents(Decimal(amount) * Decimal(percent) / HUNDRED)


def _group_thousands(integer_part: str) -> str:
    groups = []
    while len(integer_part) > 3:
        groups.insert(0, integer_part[-3:])
        integer_part = integer_part[:-3]
    groups.insert(0, integer_part)
    return "\u202f".join(groups)


def format_decimal_fr(value: Decimal, places: int) -> str:
    """Format a number the French way: narrow no-break space between thousands, comma."""
    quantum = Decimal(1).scaleb(-places)
    rounded = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    text = f"{abs(rounded):.{places}f}"
    integer_part, _, fraction = text.partition(".")
    result = sign + _group_thousands(integer_part)
    return f"{result},{fraction}" if places else result


#: How an amount nobody gave is shown and printed: never « 0 € », never « None ».
NOT_GIVEN = "non renseigné"


def format_euros(amount: Decimal | None) -> str:
    """Return ``66 000 €`` for whole amounts and ``1 234,56 €`` otherwise.

    ``None`` is an amount not given (stored NULL: a co-funder's amount the document does not
    give, the grant while the vote is pending): « non renseigné ».
    """
    if amount is None:
        return NOT_GIVEN
    amount = round_cents(Decimal(amount))
    places = 0 if amount == amount.to_integral_value() else 2
    return f"{format_decimal_fr(amount, places)}\u00a0€"


def unknown_amounts_note(count: int) -> str:
    """Return « dont 1 montant non chiffré » / « dont 3 montants non chiffrés », or "" for none.

    A total adds up the amounts that are known; this says how many it could not count.
    """
    if not count:
        return ""
    return ngettext("dont %(count)s montant non chiffré", "dont %(count)s montants non chiffrés", count) % {
        "count": count}


def format_total(amount: Decimal, unknown: int = 0) -> str:
    """Return a total of known amounts, with how many it leaves out: « 953 330 € (dont 1 montant non chiffré) »."""
    note = unknown_amounts_note(unknown)
    return f"{format_euros(amount)} ({note})" if note else format_euros(amount)


def format_percent(share: Decimal | None, places: int = 2) -> str:
    """Return a ratio (0.0692) as a French percentage: ``6,92 %``."""
    if share is None:
        return "—"
    return f"{format_decimal_fr(Decimal(share) * HUNDRED, places)}\u00a0%"


MONEY = {"max_digits": 12, "decimal_places": 2}


NON_NEGATIVE = [MinValueValidator(Decimal("0"), message=_("Le montant ne peut pas être négatif."))]


PERCENT_RANGE = [
    MinValueValidator(Decimal("0"), message=_("Le pourcentage doit être compris entre 0 et 100.")),
    MaxValueValidator(Decimal("100"), message=_("Le pourcentage doit être compris entre 0 et 100.")),
]
