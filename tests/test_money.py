from decimal import Decimal

import pytest

from core.money import format_euros, format_percent, percent_of, round_cents


def test_rounding_is_half_up_at_the_cent():
    assert round_cents(Decimal("0.005")) == Decimal("0.01")
    assert round_cents(Decimal("2.675")) == Decimal("2.68")
    assert round_cents(Decimal("-2.675")) == Decimal("-2.68")
    assert round_cents(Decimal("1.004")) == Decimal("1.00")


def test_floats_are_refused_as_money():
    with pytest.raises(TypeError):
        round_cents(0.1)


def test_advance_cap_of_the_seed():
    assert percent_of(Decimal("66000"), Decimal("80")) == Decimal("52800.00")


def test_french_typography():
    assert format_euros(Decimal("66000")) == "66\u202f000\u00a0€"
    assert format_euros(Decimal("1234.5")) == "1\u202f234,50\u00a0€"
    assert format_euros(Decimal("954123.00")) == "954\u202f123\u00a0€"
    assert format_percent(Decimal("66000") / Decimal("954123")) == "6,92\u00a0%"
    assert format_percent(None) == "—"
