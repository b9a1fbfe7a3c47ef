"""Reading amounts typed or imported the French way: « 1 234,56 € », « 1.234,56 », « 1234.56 ».

One parser for the portal form, the admin and the spreadsheet import, so that the same text
gives the same amount everywhere, and a bad one the same French message.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from core.money import round_cents

#: Spaces found between thousands: normal, no-break (U+00A0), narrow no-break (U+202F), thin.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007]+")
_CURRENCY = re.compile(r"(€|eur(os?)?)$", re.IGNORECASE)
_DOT_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")
_COMMA_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+\.\d+$")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_NEGATIVE_SIGNS = ("-", "\u2212", "(")
#: The largest amount a ``DecimalField(max_digits=12, decimal_places=2)`` holds.
MAX_AMOUNT = Decimal("9999999999.99")
#: How far a spreadsheet's binary number may be from a cent and still be that cent.
_FLOAT_TOLERANCE = Decimal("0.000001")

EXAMPLE = "1 234,56"


class AmountError(ValueError):
    """A text that is not an amount in euros; ``str()`` is the French message."""


def parse_amount(value) -> Decimal | None:
    """Return ``value`` as a Decimal amount in euros, or None when it is empty.

    Accepts numbers from a spreadsheet and texts such as ``1 234,56``, ``1 234,56 €``,
    ``1234.56`` or ``1.234,56``. A dot followed by groups of exactly three digits
    (``1.234``) separates thousands, as in French; otherwise the last of comma or dot is
    the decimal separator. Raises ``AmountError`` (a ValueError) with a French message for
    text, negative amounts, more than two decimals or an amount too large.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise AmountError(_("« %(value)s » n'est pas un montant.") % {"value": value})
    if isinstance(value, int):
        return _checked(Decimal(value), str(value))
    if isinstance(value, float):
        return _from_float(value)
    if isinstance(value, Decimal):
        return _checked(value, str(value))
    text = _SPACES.sub("", str(value))
    if not text:
        return None
    text = _CURRENCY.sub("", text)
    if text.startswith(_NEGATIVE_SIGNS):
        raise AmountError(_("Le montant ne peut pas être négatif (« %(value)s »).") % {"value": _shown(str(value).strip())})
    normalised = _normalise(text.lstrip("+"))
    if normalised is None:
        raise AmountError(
            _("« %(value)s » n'est pas un montant valide (exemple attendu : %(example)s).")
            % {"value": _shown(str(value).strip()), "example": EXAMPLE}
        )
    return _checked(Decimal(normalised), _shown(str(value).strip()))


def _normalise(text: str) -> str | None:
    """Return ``text`` with a dot as decimal separator and no thousands separator, or None."""
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):  # 1.234,56
            integer, _sep, fraction = text.rpartition(",")
            if not _DOT_THOUSANDS.match(integer) and not integer.isdigit():
                return None
            text = integer.replace(".", "") + "." + fraction
        elif _COMMA_THOUSANDS.match(text):  # 1,234.56
            text = text.replace(",", "")
        else:
            return None
    elif "," in text:
        if text.count(",") > 1:
            return None
        text = text.replace(",", ".")
    elif _DOT_THOUSANDS.match(text):
        text = text.replace(".", "")
    return text if _NUMBER.match(text) else None


def _from_float(value: float) -> Decimal:
    try:
        amount = Decimal(repr(value))
    except InvalidOperation as exc:  # nan, inf
        raise AmountError(_("« %(value)s » n'est pas un montant.") % {"value": value}) from exc
    if not amount.is_finite():
        raise AmountError(_("« %(value)s » n'est pas un montant.") % {"value": value})
    cents = round_cents(amount)
    if abs(amount - cents) < _FLOAT_TOLERANCE:
        amount = cents
    return _checked(amount, repr(value))


def _checked(amount: Decimal, shown: str) -> Decimal:
    if not amount.is_finite():
        raise AmountError(_("« %(value)s » n'est pas un montant.") % {"value": shown})
    if amount < 0:
        raise AmountError(_("Le montant ne peut pas être négatif (« %(value)s »).") % {"value": shown})
    # Before rounding: a number of thousands of digits cannot be rounded at the cent (decimal's
    # precision) and was a server error.
    if amount > MAX_AMOUNT:
        raise AmountError(_("Le montant « %(value)s » est trop élevé.") % {"value": shown})
    if amount != round_cents(amount):
        raise AmountError(_("Le montant « %(value)s » a plus de deux décimales.") % {"value": shown})
    return round_cents(amount)


_GROUPS = re.compile(r"^(\d{1,3})((?:[.,]\d+)+)$")


@dataclass(frozen=True)
class PrintedAmount:
    """An amount as a taken-over document printed it: its value, or the values a malformed one may stand for."""

    text: str
    value: Decimal | None = None
    readings: tuple[Decimal, ...] = ()

    @property
    def is_malformed(self) -> bool:
        return self.value is None and bool(self.text.strip())


def read_printed_amount(text: str) -> PrintedAmount:
    """Read an amount printed in a document, never guessing a malformed one silently.

    A well-formed text gives its value (``parse_amount``). A malformed one such as « 1.163.53€ »
    (dots for thousands and for decimals alike) gives no value but its possible readings: the
    last separator as the decimal comma (1 163,53 €), and every separator as a thousands one with
    the last group missing digits (1 163 530 €). The caller picks the likely one from context.
    """
    try:
        return PrintedAmount(text, parse_amount(text))
    except AmountError:
        pass
    compact = _CURRENCY.sub("", _SPACES.sub("", str(text)))
    match = _GROUPS.match(compact)
    if not match:
        return PrintedAmount(text)
    groups = [match.group(1), *re.split(r"[.,]", match.group(2))[1:]]
    readings = []
    if len(groups[-1]) <= 2:
        readings.append(Decimal("".join(groups[:-1]) + "." + groups[-1]))
    if len(groups[-1]) < 3 and all(len(g) == 3 for g in groups[1:-1]):
        readings.append(Decimal("".join(groups[:-1]) + groups[-1].ljust(3, "0")))
    return PrintedAmount(text, readings=tuple(r for r in readings if 0 <= r <= MAX_AMOUNT))


def _shown(text: str) -> str:
    """The typed text, as quoted back in a message: cut past 40 characters."""
    return text if len(text) <= 40 else text[:40] + "…"
