"""Staff admin of budgets: lines grouped by chapter with subtotals, totals and warnings while
editing, review (validate / return), import, export and the forecast / actual comparison."""

from functools import update_wrapper

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from beneficiaries.naming import list_name
from budgets import admin_views, chart
from budgets.bounds import MAX_BUDGET_LINES, check_line_count
from budgets.models import Budget, BudgetKind, BudgetLine
from budgets.rules import block_annotations, budget_report, totals_from_annotations
from budgets.services import budget_is_frozen, validation_conflict
from conventions.amounts import funder_shares
from core.admin_base import DomainAdmin, DomainTabularInline, OptimisticLockAdminMixin, year_column
from core.admin_history import ChildHistory
from core.money import format_euros


class BudgetLineFormSet(BaseInlineFormSet):
    """The budget's lines in the admin: refused past ``MAX_BUDGET_LINES``, before anything is saved."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        budget = self.instance
        self.forecast_lines = []  # the lines of the actual budget's forecast, in one query for every row
        if budget.pk and budget.kind == BudgetKind.ACTUAL:
            self.forecast_lines = list(BudgetLine.objects.filter(
                budget__convention=budget.convention_id, budget__kind=BudgetKind.FORECAST, budget__year=budget.year,
            ).in_chart_order())

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "forecast_line" in form.fields:
            field = form.fields["forecast_line"]
            field.queryset = BudgetLine.objects.select_related("budget").filter(pk__in=[line.pk for line in self.forecast_lines])
            chapter = form.instance.account.chapter if form.instance.pk and form.instance.code in chart.ACCOUNTS \
                else None
            field.choices = [("", "---------"), *(
                (line.pk, f"{line.code} {line.label} ({format_euros(line.amount)})") for line in self.forecast_lines
                if chapter is None or line.account.chapter.code == chapter.code
                or line.pk == form.instance.forecast_line_id)]

    def clean(self):
        super().clean()
        kept = [form for form in self.forms if form.has_changed() or form.instance.pk]
        kept = [form for form in kept if not (self.can_delete and self._should_delete_form(form))]
        check_line_count(len(kept))


class BudgetLineForm(forms.ModelForm):
    """A saved line offers the accounts of its own chapter, a new line the whole chart.

    With the whole chart (46 accounts) on each of 500 lines, the page rendered 23,000 options
    (3 MB, 9 s in bench/bounds.py; 1 MB and 3 s with its chapter's); moving a line to another
    chapter is deleting it and adding it there.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.code in chart.ACCOUNTS and "code" in self.fields:
            chapter = self.instance.account.chapter
            self.fields["code"].choices = [(f"{chapter.code} – {chapter.label}",
                                            [(acc.code, f"{acc.code} – {acc.label}") for acc in chapter.accounts])]


class BudgetLineInline(DomainTabularInline):
    model = BudgetLine
    form = BudgetLineForm
    formset = BudgetLineFormSet
    extra = 3
    max_num = MAX_BUDGET_LINES  # no « add » row past the bound; the formset refuses a forged post
    fields = ["code", "label", "amount", "funding_status", "is_granting_funder", "explanation", "forecast_line"]
    template = "budgets/admin/budgetline_tabular.html"

    def get_queryset(self, request):
        return super().get_queryset(request).in_chart_order()

    def get_fields(self, request, obj=None):
        """Show the explanation and the forecast line realised on the actual budget only (Cerfa 15059)."""
        fields = super().get_fields(request, obj)
        if obj is None or obj.kind != BudgetKind.ACTUAL:
            fields = [name for name in fields if name not in ("explanation", "forecast_line")]
        return fields

    # The forecast of a signed agreement is its annex I: read-only (conventions.freeze).
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and budget_is_frozen(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and budget_is_frozen(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and budget_is_frozen(obj))


class BudgetAdmin(OptimisticLockAdminMixin, DomainAdmin):
    list_display = ["reference", "beneficiary", year_column(Budget, "convention__fiscal_year"), "kind", "status",
                    "charges", "products", "gap"]
    list_display_links = ["reference"]
    list_filter = ["kind", "status", "scope", "convention__fiscal_year"]
    search_fields = ["convention__reference", "convention__beneficiary__name"]
    autocomplete_fields = ["convention"]
    inlines = [BudgetLineInline]
    history_children = [
        ChildHistory("budgets.BudgetLine", "budget", _("Lignes du budget (saisie, import)"),
                     label=lambda record: f"{record.code} {record.label}"),
    ]
    #: The status changes only through the review buttons (budgets.services.budget_validate / budget_return).
    readonly_fields = ["status", "submitted_by", "review_comment", "version"]
    change_form_template = "budgets/admin/budget_change_form.html"
    change_list_template = "budgets/admin/budget_change_list.html"
    fieldsets = [
        (None, {"fields": ["convention", "kind", "scope", "status", "submitted_by"]}),
        (_("Totaux imprimés sur un document repris de l'existant"),
         {"classes": ["collapse"], "fields": [("declared_total_charges", "declared_total_products")]}),
        (_("Certification et instruction"),
         {"fields": [("certified_by", "certified_place", "certified_on"), "review_comment", "version"]}),
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).for_list()
            .annotate(**block_annotations("lines__"))
        )

    def _view(self, func):
        """Wrap an ``admin_views`` function as an admin page bound to this admin."""

        def view(request, *args, **kwargs):
            return func(self, request, *args, **kwargs)

        return self.admin_site.admin_view(update_wrapper(view, func))

    def get_urls(self):
        view = self._view
        return [
            path("<int:pk>/valider/", view(admin_views.validate), name="budgets_budget_validate"),
            path("<int:pk>/renvoyer/", view(admin_views.send_back), name="budgets_budget_return"),
            path("<int:pk>/importer/", view(admin_views.import_file), name="budgets_budget_import"),
            path("<int:pk>/exporter/<str:fmt>/", view(admin_views.export_one), name="budgets_budget_export"),
            path("exporter-annee/", view(admin_views.export_year), name="budgets_budget_export_year"),
            path("modele/<str:fmt>/", view(admin_views.template), name="budgets_budget_template"),
            path("comparer/<int:convention_pk>/", view(admin_views.compare), name="budgets_budget_compare"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        budget = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if budget is not None:
            report = budget_report(budget)
            extra_context["budget_report"] = report
            if budget.convention_id is not None:  # an application's budget has no amount granted yet
                shares = funder_shares(budget.convention, report.totals)
                extra_context["budget_share"] = shares.excluding_in_kind
                extra_context["budget_share_with_in_kind"] = shares.including_in_kind
            extra_context["has_review_permission"] = self.has_change_permission(request, budget)
            extra_context["validation_conflict"] = validation_conflict(budget, request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        cached = getattr(request, "_budget_object", None)
        if cached is not None and str(cached.pk) == str(object_id):
            return cached
        obj = super().get_object(request, object_id, from_field)
        request._budget_object = obj
        return obj

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and budget_is_frozen(obj):
            return [*self.readonly_fields, "convention", "kind", "scope", "declared_total_charges",
                    "declared_total_products", "certified_by", "certified_place", "certified_on"]
        return self.readonly_fields

    def _totals(self, obj):
        return totals_from_annotations(obj, prefix="sum_")

    @admin.display(description=_("Convention"), ordering="convention__reference")
    def reference(self, obj):
        if obj.convention_id is None:
            return _("candidature (sans convention)")
        return obj.convention.reference

    @admin.display(description=_("Association"), ordering="convention__beneficiary__name")
    def beneficiary(self, obj):
        return list_name(obj.beneficiary)

    @admin.display(description=_("Charges"), ordering="sum_charges")
    def charges(self, obj):
        return format_euros(obj.sum_charges)

    @admin.display(description=_("Produits"), ordering="sum_products")
    def products(self, obj):
        return self._totals(obj).products_shown()

    @admin.display(description=_("Écart"))
    def gap(self, obj):
        totals = self._totals(obj)
        if totals.is_balanced:
            return format_html('<span class="budget-ok">{}</span>', _("équilibré"))
        if totals.unknown_amounts and totals.can_balance:
            return format_html('<strong class="budget-warning">{}</strong>', _("%(gap)s à chiffrer") % {
                "gap": format_euros(totals.gap)})
        return format_html('<strong class="budget-warning">{}</strong>', format_euros(totals.gap))


admin.site.register(Budget, BudgetAdmin)
