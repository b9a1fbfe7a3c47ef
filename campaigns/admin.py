"""Staff admin of campaigns and of the instruction of applications.

Statuses never change here by editing a field: the instruction page's forms call the services
(``campaigns.services``), which check every guard and write the audit trail.
"""

from functools import update_wrapper

from django.contrib import admin
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from beneficiaries.naming import list_name
from campaigns import admin_views
from campaigns.models import (
    Application,
    ApplicationDocument,
    ApplicationVersion,
    Campaign,
    Programme,
)
from campaigns.rules import annotated_envelope_state, envelope_state, with_envelope_sums
from core.admin_base import DomainAdmin, DomainTabularInline, year_column
from core.admin_history import ChildHistory
from core.money import format_euros


@admin.register(Programme)
class ProgrammeAdmin(DomainAdmin):
    list_display = ["name", "policy", "directorate", "funder"]
    list_filter = ["funder", "directorate"]
    search_fields = ["name", "policy", "directorate"]


@admin.register(Campaign)
class CampaignAdmin(DomainAdmin):
    list_display = ["title", "programme", year_column(Campaign, "year"), "opens_on", "closes_on", "envelope_shown",
                    "remaining_shown"]
    list_filter = ["programme", "year"]
    search_fields = ["title", "programme__name"]
    fields = ["programme", "year", "title", "opens_on", "closes_on", "envelope", "envelope_summary"]
    readonly_fields = ["envelope_summary"]

    @admin.display(description=_("Enveloppe"), ordering="envelope")
    def envelope_shown(self, obj):
        return format_euros(obj.envelope)

    def get_queryset(self, request):
        return with_envelope_sums(super().get_queryset(request)).select_related("programme")

    @admin.display(description=_("Reste disponible"))
    def remaining_shown(self, obj):
        return format_euros(annotated_envelope_state(obj).remaining)

    @admin.display(description=_("Consommation de l'enveloppe"))
    def envelope_summary(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        state = envelope_state(obj)
        return _("Enveloppe %(envelope)s − proposé %(proposed)s − attribué %(granted)s = reste %(remaining)s") % {
            "envelope": format_euros(state.envelope), "proposed": format_euros(state.proposed),
            "granted": format_euros(state.granted), "remaining": format_euros(state.remaining)}


class ApplicationVersionInline(DomainTabularInline):
    model = ApplicationVersion
    extra = 0
    can_delete = False
    fields = ["number", "kind", "at", "by", "message"]
    readonly_fields = fields
    verbose_name_plural = _("Dépôts et demandes de compléments")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class ApplicationDocumentInline(DomainTabularInline):
    model = ApplicationDocument
    extra = 0
    can_delete = False
    fields = ["kind", "uploaded_at", "uploaded_by", "download"]
    readonly_fields = fields
    verbose_name_plural = _("Pièces jointes à la candidature")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Fichier"))
    def download(self, obj):
        if not obj.pk:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:campaigns_application_document",
                                                          args=[obj.application_id, obj.pk]), _("Télécharger"))


@admin.register(Application)
class ApplicationAdmin(DomainAdmin):
    list_display = ["action_title", "association", "campaign", "status", "assigned_to", "requested_shown",
                    "proposed_shown"]
    list_filter = ["campaign", "status", "assigned_to"]
    search_fields = ["action_title", "beneficiary__name"]
    list_select_related = ["beneficiary", "campaign", "assigned_to"]
    inlines = [ApplicationDocumentInline, ApplicationVersionInline]
    history_children = [
        ChildHistory("campaigns.ApplicationDocument", "application", _("Pièces jointes"),
                     label=lambda record: record.get_kind_display()),
    ]
    change_form_template = "campaigns/admin/application_change_form.html"
    readonly_fields = ["campaign", "beneficiary", "action_title", "objectives", "action_start", "action_end",
                       "public", "place", "requested_shown", "budget", "assigned_to", "opinion", "proposed_shown",
                       "proposal_reason", "granted_shown", "convention", "status", "submitted_at", "submitted_by"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # the association applies from the portal

    def _view(self, func):
        def view(request, *args, **kwargs):
            return func(self, request, *args, **kwargs)

        return self.admin_site.admin_view(update_wrapper(view, func))

    def get_urls(self):
        return [
            path("<int:pk>/instruire/<str:action>/", self._view(admin_views.instruct),
                 name="campaigns_application_instruct"),
            path("<int:pk>/versions/<int:number>/", self._view(admin_views.version),
                 name="campaigns_application_version"),
            path("tableau-de-bord/", self._view(admin_views.dashboard), name="campaigns_dashboard"),
            path("<int:pk>/pieces/<int:document_pk>/", self._view(admin_views.document_file),
                 name="campaigns_application_document"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if obj is not None:
            # Nothing here is edited as a field: every decision is a form of the « Décisions » block.
            extra_context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
            override = extra_context.pop("instruction_override", None)
            extra_context.update(override or admin_views.instruction_context(self, request, obj))
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Association"), ordering="beneficiary__name")
    def association(self, obj):
        return list_name(obj.beneficiary)

    @admin.display(description=_("Demandé"), ordering="requested_amount")
    def requested_shown(self, obj):
        return format_euros(obj.requested_amount)

    @admin.display(description=_("Proposé"), ordering="proposed_amount")
    def proposed_shown(self, obj):
        return format_euros(obj.proposed_amount)

    @admin.display(description=_("Attribué"), ordering="granted_amount")
    def granted_shown(self, obj):
        return format_euros(obj.granted_amount)
