"""The « Conformité » block of the agreement's admin page: legal checks, consistency, reminders.

A mixin, so that ``conventions/admin.py`` only names it: the block is appended to the page's
fieldsets, read-only except the open-data publication date the agent records.
"""

from django.contrib import admin
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from compliance.checks import convention_checks
from compliance.consistency import consistency_findings
from documents.obligations import agreement_date, open_data_due_date

COMPLIANCE_READONLY = ["compliance_summary", "consistency_summary", "reminders_summary"]


class ComplianceAdminMixin:
    compliance_fieldset = (
        _("Conformité"),
        {"fields": ["compliance_summary", "open_data_published_on", "consistency_summary", "reminders_summary"]},
    )

    class Media:
        css = {"all": ["conventions/staff.css"]}

    def get_fieldsets(self, request, obj=None):
        return [*super().get_fieldsets(request, obj), self.compliance_fieldset]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *COMPLIANCE_READONLY]

    @admin.display(description=_("Obligations légales"))
    def compliance_summary(self, obj):
        if obj is None or obj.pk is None:
            return _("Enregistrez la convention pour voir ses obligations.")
        signed_on = agreement_date(obj)
        return render_to_string("conventions/convention_compliance.html", {
            "checks": convention_checks(obj, today=timezone.localdate()),
            "open_data_due_on": open_data_due_date(signed_on) if signed_on else None,
        })

    @admin.display(description=_("Contrôles de cohérence"))
    def consistency_summary(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return render_to_string("conventions/convention_consistency.html", {"findings": consistency_findings(obj)})

    @admin.display(description=_("Rappels envoyés"))
    def reminders_summary(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return render_to_string("conventions/reminderlog_list.html", {"reminders": obj.reminders.all()[:20]})
