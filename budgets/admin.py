from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from conventions.admin_base import DomainAdmin, DomainTabularInline
from conventions.freeze import budget_is_frozen
from conventions.money import format_euros, format_percent

from .models import Budget, BudgetLine
from .rules import budget_totals


class BudgetLineInline(DomainTabularInline):
    model = BudgetLine
    extra = 1
    fields = ["code", "label", "amount", "funding_status", "is_granting_funder", "explanation"]

    # The forecast of a signed agreement is its annex I: read-only (conventions.freeze).
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and budget_is_frozen(obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and budget_is_frozen(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and budget_is_frozen(obj))


@admin.register(Budget)
class BudgetAdmin(DomainAdmin):
    list_display = ["convention", "kind", "scope", "status", "updated_at"]
    list_filter = ["kind", "status", "scope", "convention__fiscal_year"]
    search_fields = ["convention__reference", "convention__beneficiary__name"]
    list_select_related = ["convention__beneficiary"]
    autocomplete_fields = ["convention"]
    inlines = [BudgetLineInline]
    readonly_fields = ["totals"]
    fields = [
        "convention", "kind", "scope", "status", "totals",
        ("declared_total_charges", "declared_total_products"),
        ("certified_by", "certified_place", "certified_on"), "review_comment",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("convention__beneficiary", "convention__funder")

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and budget_is_frozen(obj):
            return [*self.readonly_fields, "convention", "kind", "scope", "declared_total_charges",
                    "declared_total_products", "certified_by", "certified_place", "certified_on"]
        return self.readonly_fields

    @admin.display(description=_("Totaux calculés"))
    def totals(self, budget):
        if budget.pk is None:
            return "—"
        totals = budget_totals(budget)
        amount = budget.convention.amount_granted
        parts = [
            format_html("<strong>Charges</strong> {} · <strong>Produits</strong> {} · <strong>Écart</strong> {}",
                        format_euros(totals.charges), format_euros(totals.products), format_euros(totals.gap)),
            format_html("<strong>Contributions en nature</strong> 86 : {} · 87 : {}",
                        format_euros(totals.in_kind_charges), format_euros(totals.in_kind_products)),
            format_html("<strong>Part de la collectivité</strong> {} hors contributions en nature, {} avec",
                        format_percent(totals.funder_share(amount)), format_percent(totals.funder_share_with_in_kind(amount))),
        ]
        if not totals.is_balanced:
            parts.append(format_html('<span class="errornote">{}</span>',
                         _("Budget déséquilibré : charges − produits = %(gap)s ; 86 − 87 = %(kind)s.")
                         % {"gap": format_euros(totals.gap), "kind": format_euros(totals.in_kind_gap)}))
        return format_html("<br>".join(["{}"] * len(parts)), *parts)
