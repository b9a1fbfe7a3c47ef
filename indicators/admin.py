from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_base import DomainAdmin, DomainTabularInline, year_column
from core.admin_history import ChildHistory
from indicators import admin_views
from indicators.bounds import MAX_DEFINITIONS_PER_SET, check_definition_count
from indicators.models import IndicatorDefinition, IndicatorReport, IndicatorSet, IndicatorValue
from indicators.services import indicator_set_copy


class DefinitionFormSet(BaseInlineFormSet):
    """The set's definitions: refused past ``MAX_DEFINITIONS_PER_SET``, before anything is saved."""

    def clean(self):
        super().clean()
        kept = [form for form in self.forms if form.has_changed() or form.instance.pk]
        check_definition_count(len([form for form in kept if not (self.can_delete and self._should_delete_form(form))]))


class DefinitionAdminForm(forms.ModelForm):
    """A definition added on its own page counts against its set's bound."""

    def clean(self):
        cleaned = super().clean()
        indicator_set = cleaned.get("indicator_set")
        if indicator_set is not None and indicator_set.pk != self.instance.indicator_set_id:
            check_definition_count(indicator_set.definitions.count() + 1)
        return cleaned


class IndicatorDefinitionInline(DomainTabularInline):
    model = IndicatorDefinition
    formset = DefinitionFormSet
    max_num = MAX_DEFINITIONS_PER_SET
    extra = 0
    fields = ["position", "code", "label", "role", "parent", "value_type", "unit", "split_by_sex", "is_required",
              "help_text"]
    raw_id_fields = ["parent"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "help_text":
            field.widget.attrs.update(rows=2, cols=30)
        return field


@admin.register(IndicatorSet)
class IndicatorSetAdmin(DomainAdmin):
    list_display = ["name", "structure_type", year_column(IndicatorSet, "year"), "is_default", "definition_count"]
    list_filter = ["year", "is_default"]
    search_fields = ["name", "structure_type"]
    inlines = [IndicatorDefinitionInline]
    history_children = [
        ChildHistory("indicators.IndicatorDefinition", "indicator_set", _("Indicateurs du jeu"),
                     label=lambda record: f"{record.code} — {record.label}"),
    ]
    actions = ["copy_to_next_year"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(definitions_count=Count("definitions"))

    @admin.display(description=_("indicateurs"), ordering="definitions_count")
    def definition_count(self, obj):
        return obj.definitions_count

    @admin.action(description=_("Copier vers l'année suivante"), permissions=["add"])
    def copy_to_next_year(self, request, queryset):
        copied = 0
        for indicator_set in queryset:
            try:
                indicator_set_copy(indicator_set=indicator_set)
                copied += 1
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
        if copied:
            self.message_user(request, ngettext("%(count)d jeu copié vers l'année suivante.",
                                                "%(count)d jeux copiés vers l'année suivante.", copied) % {"count": copied},
                              messages.SUCCESS)


@admin.register(IndicatorDefinition)
class IndicatorDefinitionAdmin(DomainAdmin):
    form = DefinitionAdminForm
    list_display = ["code", "label", "indicator_set", "role", "value_type", "split_by_sex", "is_required"]
    list_filter = ["indicator_set", "value_type", "split_by_sex", "role"]
    search_fields = ["code", "label"]
    list_select_related = ["indicator_set"]
    raw_id_fields = ["parent"]


class IndicatorValueInline(DomainTabularInline):
    """The figures as the association entered them: read here, reviewed on the review page."""

    model = IndicatorValue
    extra = 0
    can_delete = False
    fields = ["definition", "total", "women", "men", "not_stated", "text"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("definition")


def review_link(report) -> str:
    """Return a link to the staff review page of ``report`` (used here and on the agreement's page)."""
    if report is None or report.pk is None:
        return "—"
    url = reverse("admin:indicators_indicatorreport_review", args=[report.pk])
    return format_html('<a class="button" href="{}">{}</a>', url, _("Examiner"))


@admin.register(IndicatorReport)
class IndicatorReportAdmin(DomainAdmin):
    list_display = ["convention", year_column(IndicatorReport, "year"), "period_label", "status", "due_on", "submitted_at",
                    "review"]
    list_filter = ["year", "status"]
    search_fields = ["convention__reference", "convention__beneficiary__name"]
    list_select_related = ["convention__beneficiary"]
    autocomplete_fields = ["convention"]
    inlines = [IndicatorValueInline]
    history_children = [
        ChildHistory("indicators.IndicatorValue", "report", _("Valeurs des indicateurs"),
                     label=lambda record: f"{record.definition.code} — {record.definition.label}",
                     select_related=("definition",)),
        ChildHistory("indicators.IndicatorSubmission", "report", _("Transmissions et examens"),
                     label=lambda record: _("Transmission n° %(number)s") % {"number": record.number}),
    ]
    readonly_fields = ["status", "submitted_at", "review_comment", "reviewed_by", "reviewed_at", "review"]
    fields = ["convention", "indicator_set", "year", "period_label", "due_on", "status", "submitted_at",
              "review_comment", "reviewed_by", "reviewed_at", "review"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += ["convention", "indicator_set", "year", "period_label"]
        return readonly

    @admin.display(description=_("examen"))
    def review(self, obj):
        return review_link(obj)

    def get_urls(self):
        urls = [
            path("<path:object_id>/examen/", self.admin_site.admin_view(self.review_view),
                 name="indicators_indicatorreport_review"),
            path("export/", self.admin_site.admin_view(self.export_view), name="indicators_indicatorreport_export"),
        ]
        return urls + super().get_urls()

    def review_view(self, request, object_id):
        return admin_views.review(self, request, object_id)

    def export_view(self, request):
        return admin_views.export(self, request)
