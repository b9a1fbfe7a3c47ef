"""Writes on indicator sets and reports."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from .models import (
    IndicatorDefinition,
    IndicatorReport,
    IndicatorSet,
    IndicatorValue,
    Role,
    ValueType,
)


@dataclass(frozen=True)
class DefinitionInput:
    code: str
    label: str
    value_type: str = ValueType.COUNT
    unit: str = ""
    split_by_sex: bool = False
    help_text: str = ""
    bands: list[tuple[str, str]] = field(default_factory=list)
    of_which: list[tuple[str, str]] = field(default_factory=list)


@transaction.atomic
def indicator_set_upsert(*, name: str, structure_type: str, year: int, introduction: str = "",
                         definitions: list[DefinitionInput]) -> IndicatorSet:
    """Create or update a set and its definitions, each with its bands and « dont » parts."""
    indicator_set, _created = IndicatorSet.objects.update_or_create(
        name=name, structure_type=structure_type, year=year, defaults={"introduction": introduction}
    )
    position = 0
    for definition in definitions:
        position += 10
        parent, _created = IndicatorDefinition.objects.update_or_create(
            indicator_set=indicator_set, code=definition.code,
            defaults={
                "label": definition.label, "value_type": definition.value_type, "unit": definition.unit,
                "split_by_sex": definition.split_by_sex, "help_text": definition.help_text,
                "role": Role.MAIN, "parent": None, "position": position,
            },
        )
        for role, children in ((Role.BAND, definition.bands), (Role.OF_WHICH, definition.of_which)):
            for code, label in children:
                position += 1
                IndicatorDefinition.objects.update_or_create(
                    indicator_set=indicator_set, code=f"{definition.code}.{code}",
                    defaults={
                        "label": label, "value_type": definition.value_type, "unit": definition.unit,
                        "split_by_sex": False, "role": role, "parent": parent, "position": position,
                        "is_required": role == Role.BAND,
                    },
                )
    return indicator_set


@transaction.atomic
def indicator_report_record(*, convention, indicator_set: IndicatorSet, year: int, values: dict[str, Decimal | str],
                            period_label: str = "", status: str = "draft") -> IndicatorReport:
    """Create or update a report with ``values`` keyed by definition code."""
    report, _created = IndicatorReport.objects.update_or_create(
        convention=convention, year=year, period_label=period_label,
        defaults={"indicator_set": indicator_set, "status": status},
    )
    definitions = {d.code: d for d in indicator_set.definitions.all()}
    for code, value in values.items():
        definition = definitions[code]
        fields = {"text": value} if definition.value_type == ValueType.TEXT else {"total": Decimal(value)}
        IndicatorValue.objects.update_or_create(report=report, definition=definition, defaults=fields)
    return report
