"""Amounts typed or imported the French way give the same Decimal; bad ones a French message."""

from decimal import Decimal

import pytest

from budgets.amounts import AmountError, parse_amount


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 234,56", "1234.56"),  # normal space
        ("1\u00a0234,56", "1234.56"),  # no-break space
        ("1\u202f234,56", "1234.56"),  # narrow no-break space (what the application prints)
        ("1 234,56 €", "1234.56"),
        ("1\u202f234,56\u00a0€", "1234.56"),
        ("1234.56", "1234.56"),
        ("1.234,56", "1234.56"),
        ("1.234.567,8", "1234567.80"),
        ("1,234.56", "1234.56"),
        ("1.234", "1234"),  # a dot before three digits separates thousands, as in French
        ("12.5", "12.50"),
        ("66 000", "66000"),
        ("66000 EUR", "66000"),
        ("0", "0"),
        ("  42,1  ", "42.10"),
        ("+15", "15"),
    ],
)
def test_french_and_english_formats_give_the_same_amount(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("value, expected", [(1474, "1474"), (1474.5, "1474.50"), (0.1 + 0.2, "0.30"),
                                              (Decimal("12.30"), "12.30")])
def test_spreadsheet_numbers_are_read_exactly_at_the_cent(value, expected):
    assert parse_amount(value) == Decimal(expected)


@pytest.mark.parametrize("empty", [None, "", "   ", "\u00a0"])
def test_an_empty_cell_is_no_amount(empty):
    assert parse_amount(empty) is None


@pytest.mark.parametrize(
    "text, message",
    [
        ("abc", "« abc » n'est pas un montant valide (exemple attendu : 1 234,56)."),
        ("12,5,3", "« 12,5,3 » n'est pas un montant valide"),
        ("1e5", "« 1e5 » n'est pas un montant valide"),
        ("-12", "Le montant ne peut pas être négatif (« -12 »)."),
        ("\u221212,50", "Le montant ne peut pas être négatif"),
        ("(300)", "Le montant ne peut pas être négatif"),
        (-5, "Le montant ne peut pas être négatif"),
        ("12,345", "Le montant « 12,345 » a plus de deux décimales."),
        ("99999999999", "est trop élevé"),
        (float("nan"), "n'est pas un montant"),
    ],
)
def test_bad_amounts_are_refused_in_french(text, message):
    with pytest.raises(AmountError) as exc:
        parse_amount(text)
    assert message in str(exc.value)
    assert isinstance(exc.value, ValueError)
