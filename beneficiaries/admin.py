from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from conventions.admin_base import DomainAdmin, DomainTabularInline

from .models import Beneficiary, Membership


class MembershipInline(DomainTabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "is_active"]


@admin.register(Beneficiary)
class BeneficiaryAdmin(DomainAdmin):
    list_display = ["name", "acronym", "siret", "rna", "city"]
    search_fields = ["name", "acronym", "siret", "rna"]
    inlines = [MembershipInline]
    fieldsets = [
        (_("Identité"), {"fields": ["name", "acronym", "legal_form", "siret", "rna"]}),
        (_("Coordonnées"), {"fields": ["address", "postal_code", "city", "email", "phone"]}),
        (_("Représentant légal"), {"fields": ["representative_civility", "representative_title", "representative_name"]}),
        (_("Gestion"), {"fields": ["fiscal_year_end_month"]}),
        (_("Coordonnées bancaires"), {"fields": ["iban", "bic", "bank_name"]}),
    ]


@admin.register(Membership)
class MembershipAdmin(DomainAdmin):
    list_display = ["user", "beneficiary", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__email", "beneficiary__name"]
    list_select_related = ["user", "beneficiary"]
    autocomplete_fields = ["user", "beneficiary"]
