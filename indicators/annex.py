"""indicators.annex"""

from dataclasses import dataclass
from decimal import Decimal

from core.money import HUNDRED, format_decimal_fr, format_euros, format_percent
from indicators.models import Role, ValueType


def format_indicator(value, definition) -> str:
    """Format one reported figure by the definition's type: « 110 000 », « 7 000 000 € »."""
    if definition.value_type == ValueType.TEXT:
        return value.text or "—"
    if value.total is None:
        return "—"
    total = Decimal(value.total)
    if definition.value_type == ValueType.AMOUNT:
        return format_euros(total)
    if definition.value_type == ValueType.PERCENTAGE:
        return format_percent(total / HUNDRED)
    places = 0 if total == total.to_integral_value() else 2
    text = format_decimal_fr(total, places)
    return f"{text}\u00a0{definition.unit}" if definition.unit else text


@dataclass(frozen=True)
class IndicatorRow:
    label: str
    value: str = ""
    level: int = 0
    detail: str = ""


def previous_figures(report, definitions, values) -> list[IndicatorRow]:
    """Return annex IV: the figures of a past report, in the order of its set."""
    by_definition = {value.definition_id: value for value in values if value.report_id == report.pk}
    rows = []
    for definition in definitions:
        if definition.indicator_set_id != report.indicator_set_id:
            continue
        value = by_definition.get(definition.pk)
        if value is None:
            continue
        rows.append(IndicatorRow(definition.label, format_indicator(value, definition), int(definition.parent_id is not None)))
    return rows


def indicators_to_report(indicator_set, definitions) -> list[IndicatorRow]:
    """Return annex V: what the association reports, with its bands, « dont » parts and splits."""
    rows = []
    for definition in definitions:
        if definition.indicator_set_id != indicator_set.pk:
            continue
        details = []
        if definition.unit:
            details.append(definition.unit)
        if definition.split_by_sex:
            details.append("ventilé femmes / hommes")
        if definition.role == Role.BAND:
            details.append("tranche")
        level = 0 if definition.role == Role.MAIN else 1
        rows.append(IndicatorRow(definition.label, level=level, detail=", ".join(details)))
    return rows
