from django.contrib import admin

from conventions.admin_base import DomainAdmin, DomainTabularInline

from .models import IndicatorDefinition, IndicatorReport, IndicatorSet, IndicatorValue


class IndicatorDefinitionInline(DomainTabularInline):
    model = IndicatorDefinition
    extra = 0
    fields = ["position", "code", "label", "role", "parent", "value_type", "unit", "split_by_sex", "is_required"]
    raw_id_fields = ["parent"]


@admin.register(IndicatorSet)
class IndicatorSetAdmin(DomainAdmin):
    list_display = ["name", "structure_type", "year"]
    list_filter = ["year"]
    search_fields = ["name", "structure_type"]
    inlines = [IndicatorDefinitionInline]


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(DomainAdmin):
    list_display = ["code", "label", "indicator_set", "role", "value_type", "split_by_sex"]
    list_filter = ["indicator_set", "value_type", "split_by_sex"]
    search_fields = ["code", "label"]
    list_select_related = ["indicator_set"]


class IndicatorValueInline(DomainTabularInline):
    model = IndicatorValue
    extra = 0
    fields = ["definition", "total", "women", "men", "not_stated", "text"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("definition")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name != "definition":
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        report = getattr(request, "_indicator_report", None)
        if report is not None:
            kwargs["queryset"] = IndicatorDefinition.objects.filter(indicator_set=report.indicator_set_id)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        # Evaluate the choices once for the whole formset, not once per row.
        field.choices = list(field.choices)
        return field


@admin.register(IndicatorReport)
class IndicatorReportAdmin(DomainAdmin):
    list_display = ["convention", "year", "period_label", "status", "due_on"]
    list_filter = ["year", "status"]
    search_fields = ["convention__reference", "convention__beneficiary__name"]
    list_select_related = ["convention__beneficiary"]
    autocomplete_fields = ["convention"]
    inlines = [IndicatorValueInline]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        request._indicator_report = obj
        return obj
