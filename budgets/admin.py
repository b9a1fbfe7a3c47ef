from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from conventions.admin_base import DomainAdmin, DomainTabularInline
from conventions.money import format_euros, format_percent

from .models import Budget, BudgetLine
from .rules import budget_totals


class BudgetLineInline(DomainTabularInline):
    model = BudgetLine
    extra = 1
    fields = ["code", "label", "amount", "funding_status", "is_granting_funder", "explanation"]


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
