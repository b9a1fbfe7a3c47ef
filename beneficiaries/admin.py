from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from beneficiaries.directory import directory_lookup, lookup_widget_attrs
from beneficiaries.forms import InvitationForm
from beneficiaries.identifiers import normalize_identifier
from beneficiaries.models import Beneficiary, Invitation, Membership
from beneficiaries.naming import list_name
from beneficiaries.services import invitation_create
from core.admin_base import DomainAdmin, DomainTabularInline
from core.admin_history import ChildHistory
from core.dates import french_date, french_datetime


class MembershipInline(DomainTabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "is_active"]


@admin.register(Beneficiary)
class BeneficiaryAdmin(DomainAdmin):
    list_display = ["name", "acronym", "siret_shown", "rna_shown", "city"]
    search_fields = ["name", "acronym", "siret", "rna"]
    inlines = [MembershipInline]
    history_children = [
        ChildHistory("beneficiaries.Membership", "beneficiary", _("Membres (accès au portail)"),
                     label=lambda record: str(record.user), select_related=("user",)),
        ChildHistory("beneficiaries.Invitation", "beneficiary", _("Invitations au portail"),
                     label=lambda record: record.email),
    ]
    readonly_fields = ["invitations"]
    change_form_template = "admin/beneficiaries/beneficiary/change_form.html"
    fieldsets = [
        (_("Identité"), {"fields": ["name", "acronym", "legal_form", ("siret", "siret_to_check"), ("rna", "rna_to_check")]}),
        (_("Coordonnées"), {"fields": ["address", "postal_code", "city", "email", "phone"]}),
        (_("Représentant légal"), {"fields": ["representative_civility", "representative_title", "representative_name"]}),
        (_("Gestion"), {"fields": ["fiscal_year_end_month"]}),
        (_("Coordonnées bancaires"), {"fields": ["iban", "bic", "bank_name"]}),
        (_("Invitations au portail"), {"fields": ["invitations"]}),
    ]

    class Media:
        js = ["beneficiaries/directory_lookup.js"]  # a typed SIRET or RNA fills the empty fields

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("siret", "rna"):
            formfield.widget.attrs.update(lookup_widget_attrs(reverse("admin:beneficiaries_beneficiary_directory")))
        return formfield

    @admin.display(description=_("SIRET"), ordering="siret")
    def siret_shown(self, beneficiary):
        return beneficiary.siret_display

    @admin.display(description=_("RNA"), ordering="rna")
    def rna_shown(self, beneficiary):
        return beneficiary.rna_display

    def get_search_results(self, request, queryset, search_term):
        """Find « 812 345 678 00013 » as typed or printed: the identifiers are stored without separators."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        compact = normalize_identifier(search_term)
        if len(compact) >= 9 and compact != search_term.strip().upper():
            results |= queryset.filter(models.Q(siret__startswith=compact) | models.Q(rna=compact))
        return results, may_have_duplicates

    @admin.display(description=_("Invitations envoyées"))
    def invitations(self, beneficiary):
        """List the invitations sent, newest first (the « Inviter un membre » button sends one)."""
        rows = [
            (invitation.email, invitation.get_role_display(), invitation.state_label(),
             french_date(localtime(invitation.created_at).date()))
            for invitation in beneficiary.invitations.all()
        ] if beneficiary.pk else []
        if not rows:
            return _t("Aucune invitation. Le bouton « Inviter un membre », en haut de la page, en envoie une.")
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _t("Courriel"), _t("Rôle"), _t("État"), _t("Envoyée le"), body,
        )

    def get_urls(self):
        return [
            path("annuaire/", self.admin_site.admin_view(self.directory_view), name="beneficiaries_beneficiary_directory"),
            path("<path:object_id>/inviter/", self.admin_site.admin_view(self.invite_view),
                 name="beneficiaries_beneficiary_invite"),
            *super().get_urls(),
        ]

    def directory_view(self, request):
        """The association form's look-up in the public directory (JSON, for directory_lookup.js)."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        lookup = directory_lookup(request.GET.get("identifiant", ""))
        return JsonResponse(lookup.as_json(), status=400 if lookup.status == "invalid" else 200)

    def invite_view(self, request, object_id):
        """« Inviter un membre »: send a one-time link to set a password and join the association."""
        if not request.user.has_perm("beneficiaries.add_invitation"):
            raise PermissionDenied
        beneficiary = get_object_or_404(Beneficiary, pk=object_id)
        form = InvitationForm(request.POST or None, beneficiary=beneficiary)
        if request.method == "POST" and form.is_valid():
            invitation = invitation_create(
                beneficiary=beneficiary, email=form.cleaned_data["email"], role=form.cleaned_data["role"],
                invited_by=request.user, site_url=request.build_absolute_uri("/"),
            )
            self.message_user(request, _t("Invitation envoyée à %(email)s, valable jusqu'au %(date)s.") % {
                "email": invitation.email, "date": french_datetime(invitation.expires_at),
            }, messages.SUCCESS)
            return redirect(reverse("admin:beneficiaries_beneficiary_change", args=[beneficiary.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _t("Inviter un membre de « %(name)s »") % {"name": beneficiary.name},
            "opts": self.model._meta, "original": beneficiary, "form": form,
            "valid_days": settings.INVITATION_VALID_DAYS,
        }
        return TemplateResponse(request, "admin/beneficiaries/beneficiary/invite.html", context)


@admin.register(Invitation)
class InvitationAdmin(DomainAdmin):
    """Invitations are sent from the association's page; here they are only listed."""

    list_display = ["email", "association", "role", "state", "created_at", "expires_at", "used_at", "invited_by"]
    list_filter = ["role"]
    search_fields = ["email", "beneficiary__name", "beneficiary__acronym"]
    list_select_related = ["beneficiary", "invited_by"]
    readonly_fields = ["email", "beneficiary", "role", "state", "invited_by", "created_at", "expires_at",
                       "used_at", "accepted_by"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("état"))
    def state(self, invitation):
        return invitation.state_label()

    @admin.display(description=_("Association"), ordering="beneficiary__name")
    def association(self, invitation):
        return list_name(invitation.beneficiary)


@admin.register(Membership)
class MembershipAdmin(DomainAdmin):
    list_display = ["user", "association", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__email", "beneficiary__name"]
    list_select_related = ["user", "beneficiary"]
    autocomplete_fields = ["user", "beneficiary"]

    @admin.display(description=_("Association"), ordering="beneficiary__name")
    def association(self, membership):
        return list_name(membership.beneficiary)
