"""Export of the indicator reports of a year (django-import-export): one row per association and indicator."""

from decimal import Decimal

from import_export import fields, resources
from import_export.formats.base_formats import CSV, XLSX

from indicators.models import IndicatorValue, Role

FORMATS = {"xlsx": XLSX, "csv": CSV}
#: Characters that make a spreadsheet read a cell as a formula: such text is exported quoted.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(text: str) -> str:
    """Return ``text`` so that a spreadsheet never runs it as a formula."""
    return f"'{text}" if text and text.startswith(FORMULA_STARTS) else text


def _number(value: Decimal | None):
    """Return a figure as a spreadsheet number: an integer when whole, else a decimal."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else value.normalize()


def values_for_export(year: int):
    """Return the figures of every yearly report of ``year``, in association then indicator order."""
    return (
        IndicatorValue.objects.filter(report__year=year, report__period_label="")
        .select_related("report__convention__beneficiary", "definition__parent")
        .order_by("report__convention__beneficiary__name", "report__convention__reference",
                  "definition__position", "definition__pk")
    )


class IndicatorValueResource(resources.ModelResource):
    year = fields.Field(attribute="report__year", column_name="Année")
    beneficiary = fields.Field(column_name="Association")
    siret = fields.Field(attribute="report__convention__beneficiary__siret", column_name="SIRET")
    convention = fields.Field(attribute="report__convention__reference", column_name="Convention")
    status = fields.Field(column_name="État du rapport")
    code = fields.Field(attribute="definition__code", column_name="Code")
    label = fields.Field(column_name="Indicateur")
    role = fields.Field(column_name="Nature")
    unit = fields.Field(attribute="definition__unit", column_name="Unité")
    total = fields.Field(column_name="Total")
    women = fields.Field(column_name="Femmes")
    men = fields.Field(column_name="Hommes")
    not_stated = fields.Field(column_name="Non renseigné")
    text = fields.Field(column_name="Réponse (texte)")

    class Meta:
        model = IndicatorValue
        fields = ("year", "beneficiary", "siret", "convention", "status", "code", "label", "role", "unit",
                  "total", "women", "men", "not_stated", "text")
        export_order = fields

    def dehydrate_beneficiary(self, value):
        return _safe_text(value.report.convention.beneficiary.name)

    def dehydrate_status(self, value):
        return str(value.report.get_status_display())

    def dehydrate_label(self, value):
        return _safe_text(value.definition.label)

    def dehydrate_role(self, value):
        definition = value.definition
        if definition.role == Role.MAIN:
            return "Indicateur"
        kind = "Tranche" if definition.role == Role.BAND else "Dont"
        return f"{kind} de « {definition.parent.code} »"

    def dehydrate_total(self, value):
        return _number(value.total)

    def dehydrate_women(self, value):
        return _number(value.women)

    def dehydrate_men(self, value):
        return _number(value.men)

    def dehydrate_not_stated(self, value):
        return _number(value.not_stated)

    def dehydrate_text(self, value):
        return _safe_text(value.text)


def export_year(year: int, file_format: str) -> tuple[bytes | str, str]:
    """Return the export of ``year`` as ``file_format`` (``xlsx`` or ``csv``) with its content type."""
    dataset = IndicatorValueResource().export(queryset=values_for_export(year))
    fmt = FORMATS[file_format]()
    return fmt.export_data(dataset), fmt.get_content_type()
