"""The money rules of the payment schedule, as properties and on the seed's figures (DOMAIN.md §4)."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from conventions.amounts import amendment_amounts, effective_amount
from conventions.models import Convention
from core.money import round_cents
from finance.rules import advance_cap, balance_due, final_grant, schedule, termination_recovery

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)
percents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)


def test_seed_advance_is_at_most_80_percent_of_66000():
    assert advance_cap(Decimal("66000"), Decimal("80")) == Decimal("52800.00")


def test_seed_balance_with_actual_expenses_of_900000():
    final = final_grant(Decimal("66000"), Decimal("954123"), Decimal("900000"))
    assert final == Decimal("62256.12")  # 66 000 × 900 000 ÷ 954 123 = 62 256,124…
    assert balance_due(final, paid=Decimal("52800.00")) == Decimal("9456.12")


def test_grant_does_not_grow_when_expenses_exceed_the_forecast():
    assert final_grant(Decimal("66000"), Decimal("954123"), Decimal("1200000")) == Decimal("66000.00")


@given(granted=amounts, forecast=amounts, actual=amounts)
def test_pro_rata_never_increases_the_grant(granted, forecast, actual):
    assert final_grant(granted, forecast, actual) <= granted


@given(granted=amounts, forecast=amounts, actual=amounts)
def test_rounding_happens_once_at_the_cent(granted, forecast, actual):
    final = final_grant(granted, forecast, actual)
    assert final.as_tuple().exponent == -2
    if actual < forecast:
        exact = granted * actual / forecast  # full precision, then one rounding
        assert final == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@given(granted=amounts, cap=percents, forecast=amounts, actual=amounts)
def test_paid_never_exceeds_granted_and_closing_balances(granted, cap, forecast, actual):
    advance = advance_cap(granted, cap)
    assert advance <= granted
    final = final_grant(granted, forecast, actual)
    balance = balance_due(final, paid=advance)
    paid = advance + max(balance, Decimal("0"))
    recovered = max(-balance, Decimal("0"))
    assert paid <= granted
    assert paid - recovered == final


@given(paid=amounts, days=st.integers(min_value=0, max_value=400))
def test_termination_recovers_at_most_what_was_paid(paid, days):
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    terminated = date.fromordinal(start.toordinal() + days)
    granted = paid * 2
    partial = termination_recovery(paid=paid, granted=granted, start=start, end=end, terminated_on=terminated,
                                   pro_rata_temporis=True)
    full = termination_recovery(paid=paid, granted=granted, start=start, end=end, terminated_on=terminated,
                                pro_rata_temporis=False)
    assert Decimal("0") <= partial <= full == round_cents(paid)


def test_termination_pro_rata_temporis_on_a_known_case():
    # 18 000 € granted, 14 400 € advance paid, terminated on 1 October: 273 of 365 days executed.
    amount = termination_recovery(paid=Decimal("14400"), granted=Decimal("18000"), start=date(2025, 1, 1),
                                  end=date(2025, 12, 31), terminated_on=date(2025, 10, 1), pro_rata_temporis=True)
    assert amount == Decimal("14400") - round_cents(Decimal("18000") * 273 / 365)


# --- The amount in force: amount granted plus the changes of signed amendments ----------------


def test_the_amount_in_force_counts_signed_amendments_only(amended_agreement):
    convention = amended_agreement
    assert convention.amount_granted == Decimal("45000.00")
    assert effective_amount(convention) == Decimal("50000.00")  # + 5 000 signed; the 1 000 draft does not count
    assert Convention.objects.with_amount_in_force().get(pk=convention.pk).amount_in_force == Decimal("50000.00")
    money = schedule(convention)
    assert (money.granted, money.advance_cap) == (Decimal("50000.00"), Decimal("40000.00"))


def test_the_amount_in_force_is_read_from_the_annotation_without_a_query(amended_agreement, django_assert_num_queries):
    annotated = Convention.objects.with_amount_in_force().get(pk=amended_agreement.pk)
    with django_assert_num_queries(0):
        assert effective_amount(annotated) == Decimal("50000.00")
    plain = Convention.objects.get(pk=amended_agreement.pk)
    with django_assert_num_queries(1):
        assert effective_amount(plain) == Decimal("50000.00")


def test_each_amendment_starts_from_the_amount_in_force_before_it(amended_agreement):
    first, second = amended_agreement.amendments.order_by("number")
    assert amendment_amounts(first) == (Decimal("45000.00"), Decimal("50000.00"))
    assert amendment_amounts(second) == (Decimal("50000.00"), Decimal("51000.00"))


def test_the_funder_shares_are_those_of_the_amount_in_force(amended_agreement):
    from budgets.rules import BudgetTotals
    from conventions.amounts import funder_shares

    shares = funder_shares(amended_agreement, BudgetTotals(charges=Decimal("200000"), in_kind_charges=Decimal("50000")))
    assert shares.amount == Decimal("50000.00")
    assert shares.excluding_in_kind == Decimal("0.25") and shares.including_in_kind == Decimal("0.2")
