"""Staff's list of the associations that registered themselves, and the check of their identity."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.timezone import localtime
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from core.admin_base import DomainAdmin
from core.dates import french_date
from registration.models import Registration
from registration.services import registration_verify, verification_conflict


class VerificationFilter(admin.SimpleListFilter):
    title = _("identité")
    parameter_name = "identite"

    def lookups(self, request, model_admin):
        return [("a-verifier", _("à vérifier")), ("verifiee", _("vérifiée"))]

    def queryset(self, request, queryset):
        if self.value() == "a-verifier":
            return queryset.filter(verified_at__isnull=True)
        if self.value() == "verifiee":
            return queryset.filter(verified_at__isnull=False)
        return queryset


@admin.register(Registration)
class RegistrationAdmin(DomainAdmin):
    """Read only: an agent checks the SIRET or RNA (sirene.fr, the RNA), then marks it verified."""

    list_display = ["beneficiary", "siret", "rna", "registered_by", "created_at", "activated_at", "state"]
    list_display_links = ["beneficiary"]
    list_filter = [VerificationFilter]
    search_fields = ["beneficiary__name", "beneficiary__acronym", "beneficiary__siret", "beneficiary__rna",
                     "user__email"]
    list_select_related = ["beneficiary", "user", "verified_by"]
    fields = ["beneficiary", "siret", "rna", "registered_by", "created_at", "activated_at", "state", "verified_by",
              "verified_at"]
    readonly_fields = fields
    actions = ["mark_verified"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # nothing here is typed: the one change is the action below

    def has_verify_permission(self, request):
        return request.user.has_perm("registration.verify_registration")

    @admin.display(description=_("SIRET"))
    def siret(self, registration):
        return registration.beneficiary.siret_display

    @admin.display(description=_("RNA"))
    def rna(self, registration):
        return registration.beneficiary.rna_display

    @admin.display(description=_("inscrite par"))
    def registered_by(self, registration):
        return registration.user.email if registration.user else "—"

    @admin.display(description=_("identité"))
    def state(self, registration):
        """« à vérifier », or « vérifiée le … par … » (the change page shows the same, in full)."""
        if not registration.is_verified:
            return _t("à vérifier")
        who = registration.verified_by
        return _t("vérifiée le %(date)s par %(who)s") % {
            "date": french_date(localtime(registration.verified_at).date()),
            "who": (who.get_full_name() or who.get_username()) if who else "—"}

    @admin.action(description=_("Marquer l'identité comme vérifiée"), permissions=["verify"])
    def mark_verified(self, request, queryset):
        """A confirmation page first (the list of associations), then the verification, audited."""
        pending = list(queryset.filter(verified_at__isnull=True).select_related("beneficiary", "user"))
        if request.POST.get("post") != "yes":
            rows = [(registration, verification_conflict(registration, request.user)) for registration in pending]
            context = {
                **self.admin_site.each_context(request), "opts": self.model._meta, "rows": rows,
                "title": _t("Marquer l'identité comme vérifiée"), "queryset": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME, "media": self.media,
                "already": queryset.count() - len(pending),
            }
            return TemplateResponse(request, "admin/registration/registration/verify_confirmation.html", context)
        verified = 0
        for registration in pending:
            try:
                registration_verify(registration=registration, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"« {registration.beneficiary.name} » : {' '.join(error.messages)}",
                                  messages.ERROR)
            else:
                verified += 1
        self.message_user(request, _t("%(count)d identité(s) marquée(s) comme vérifiée(s).") % {"count": verified},
                          messages.SUCCESS if verified else messages.WARNING)
        return None
