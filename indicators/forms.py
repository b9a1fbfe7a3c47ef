"""The association's yearly form, built from the report's indicator set."""

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.models import PART_LABELS, IndicatorValue, Role, ValueType
from indicators.rules import Figures, display_number, field_name, report_errors

TEXT_MAX_LENGTH = 5000
#: The label of the one field of an indicator that is not split, shown under the indicator's legend.
SINGLE_LABELS = {
    ValueType.COUNT: _("Nombre"), ValueType.AMOUNT: _("Montant en euros"),
    ValueType.PERCENTAGE: _("Pourcentage"), ValueType.TEXT: _("Votre réponse"),
}


def _trimmed(value):
    """Return a stored figure as typed: ``200`` rather than ``200,00``."""
    if value is None or isinstance(value, str) or value != value.to_integral_value():
        return value.normalize() if value is not None and not isinstance(value, str) else value
    return value.quantize(Decimal("1"))


#: A figure holds what its column holds: a number of thousands of digits was a server error
#: when the checks of the form added it up and quoted the sum back (decimal's precision).
FIGURE_COLUMN = IndicatorValue._meta.get_field("total")


def _number_field(definition, label) -> forms.DecimalField:
    whole = definition.value_type == ValueType.COUNT
    return forms.DecimalField(
        label=label, required=False, localize=True,
        max_digits=FIGURE_COLUMN.max_digits, decimal_places=FIGURE_COLUMN.decimal_places,
        widget=forms.TextInput(attrs={"inputmode": "numeric" if whole else "decimal", "autocomplete": "off",
                                      "class": "figure"}),
        error_messages={"invalid": _("Saisissez un nombre, par exemple 12 ou 12,5.")},
    )


@dataclass
class Child:
    """A band or a « dont » part of a main indicator, with its field and figures."""

    definition: object
    field: object
    current: Figures


@dataclass
class IndicatorGroup:
    """One main indicator with its fields, its bands and its « dont » parts, for the template."""

    definition: object
    current: Figures
    fields: list = field(default_factory=list)
    bands: list[Child] = field(default_factory=list)
    parts: list[Child] = field(default_factory=list)


class IndicatorReportForm(forms.Form):
    """One field per figure: total (and women / men / not stated where split), bands, parts."""

    def __init__(self, *args, definitions, figures=None, previous=None, submitting=False, **kwargs):
        figures = figures or {}
        self.current = figures
        initial = {}
        for definition in definitions:
            entry = figures.get(definition.code, Figures())
            for part in definition.parts:
                initial[field_name(definition, part)] = _trimmed(entry.get(part))
        kwargs.pop("initial", None)
        super().__init__(*args, initial=initial, **kwargs)
        self.definitions = list(definitions)
        self.previous = previous or {}
        self.submitting = submitting
        for definition in self.definitions:
            before = self.previous.get(definition.code)
            for part in definition.parts:
                field = self._make_field(definition, part)
                if before is not None and before.get(part) not in (None, ""):
                    shown = before.get(part) if part == "text" else display_number(before.get(part))
                    field.help_text = _("Année précédente : %(value)s") % {"value": shown}
                self.fields[field_name(definition, part)] = field

    def _make_field(self, definition, part):
        """Label each field within its indicator's fieldset: « Femmes », « moins de 10 salariés », « Nombre »."""
        if part == "text":
            return forms.CharField(label=SINGLE_LABELS[ValueType.TEXT], required=False, max_length=TEXT_MAX_LENGTH,
                                   widget=forms.Textarea(attrs={"rows": 4}))
        if definition.role != Role.MAIN:
            label = definition.label
        elif definition.split_by_sex:
            label = PART_LABELS[part]
        else:
            label = SINGLE_LABELS[definition.value_type]
        return _number_field(definition, label)

    @property
    def error_count(self) -> int:
        return len(self.non_field_errors()) + len(self.error_summary())

    def error_summary(self) -> list[tuple[str, str, str]]:
        """Return (field id, « indicator — field », message) for every error, in the form's order."""
        entries = []
        for definition in self.definitions:
            main = definition.parent if definition.parent_id else None
            for part in definition.parts:
                bound = self[field_name(definition, part)]
                if main is not None:
                    label = f"{main.label} — {definition.label}"
                elif definition.split_by_sex:
                    label = f"{definition.label} — {bound.label}"
                else:
                    label = definition.label
                entries += [(bound.id_for_label, label, error) for error in bound.errors]
        return entries

    def clean(self):
        """Apply the rules of indicators/rules.py, so that every error shows at once on its field."""
        cleaned = super().clean()
        for name, messages in report_errors(self.definitions, self.figures(), submitting=self.submitting).items():
            if name not in self.errors:
                for message in messages:
                    self.add_error(name, message)
        return cleaned

    def figures(self) -> dict[str, Figures]:
        """Return the cleaned figures keyed by definition code."""
        result = {}
        for definition in self.definitions:
            values = {part: self.cleaned_data.get(field_name(definition, part)) for part in definition.parts}
            if "text" in values:
                values["text"] = values["text"] or ""
            result[definition.code] = Figures(**values)
        return result

    def groups(self) -> list[IndicatorGroup]:
        """Return the main indicators in order, each with its bound fields and children."""
        groups, by_pk = [], {}
        for definition in self.definitions:
            bound = [self[field_name(definition, part)] for part in definition.parts]
            current = self.current.get(definition.code, Figures())
            if definition.role == Role.MAIN:
                group = IndicatorGroup(definition=definition, current=current, fields=bound)
                groups.append(group)
                by_pk[definition.pk] = group
            else:
                group = by_pk[definition.parent_id]
                child = Child(definition=definition, field=bound[0], current=current)
                (group.bands if definition.role == Role.BAND else group.parts).append(child)
        return groups
