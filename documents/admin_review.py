"""What the staff's review of a document and of a vault paper share: the inline preview and
« Accepter les documents sélectionnés » with its confirmation page.

The preview is served by the private serving view (``documents.views.stored_file_response``,
``inline``) to staff who may view the object; the change page shows it in an ``<iframe>`` (PDF) or
an ``<img>`` (JPEG, PNG), under the site's CSP (``default-src 'self'``). The bulk acceptance goes
through each model's own acceptance service, one object at a time: each is audited and emailed as a
single one, and the duties rule refuses, with its French reason, what the user may not accept.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentStatus
from documents.services import PDF, document_file_type
from documents.views import stored_file_response


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("L'association lit ce motif sur le portail : dites ce qui manque ou ce qu'il faut corriger."),
    )


class ReviewAdminMixin:
    """Preview and bulk acceptance for a reviewed model's admin (``Document``, ``VaultPaper``)."""

    #: Name of the admin URL serving the preview (« admin:<name> »).
    preview_url_name: str

    def accept_one(self, obj, user):  # pragma: no cover - each admin says which service accepts
        raise NotImplementedError

    def acceptance_conflict(self, obj, user) -> str | None:  # pragma: no cover
        raise NotImplementedError

    def file_name(self, obj) -> str:  # pragma: no cover
        raise NotImplementedError

    def preview_context(self, obj) -> dict:
        """Return what the change page needs to show ``obj``'s file in the page."""
        file_type = document_file_type(obj) if obj is not None and obj.pk and obj.file else None
        if file_type is None:
            return {}
        return {"preview_url": reverse(f"admin:{self.preview_url_name}", args=[obj.pk]),
                "preview_is_pdf": file_type == PDF, "preview_label": str(obj)}

    def _reviewed_object(self, request, object_id):
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        return obj

    def preview_view(self, request, object_id):
        """Show the file in the page (staff who may view the object): no download needed to look."""
        obj = self._reviewed_object(request, object_id)
        return stored_file_response(obj, name=self.file_name(obj), inline=True)

    @admin.action(description=_("Accepter les documents sélectionnés"), permissions=["change"])
    def accept_selected(self, request, queryset):
        """Confirm, then accept each selected received document through its service."""
        rows = []
        for obj in queryset:
            if obj.status != DocumentStatus.RECEIVED:
                rows.append((obj, _t("seul un document reçu peut être accepté (celui-ci : %(state)s).")
                             % {"state": obj.get_status_display().lower()}))
            else:
                rows.append((obj, self.acceptance_conflict(obj, request.user)))
        acceptable = [obj for obj, reason in rows if reason is None]
        if request.POST.get("post") == "yes":
            for obj, reason in rows:
                if reason is not None:
                    self.message_user(request, f"« {obj} » : {reason}", messages.ERROR)
            return self._accept_confirmed(request, acceptable, refused=len(rows) - len(acceptable))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "title": _t("Accepter les documents sélectionnés"), "rows": rows, "acceptable": acceptable,
            "queryset": queryset, "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/documents/accept_selected.html", context)

    def _accept_confirmed(self, request, acceptable, *, refused: int):
        accepted = 0
        for obj in acceptable:
            try:
                self.accept_one(obj, request.user)
            except ValidationError as error:  # changed meanwhile (accepted or refused by someone else)
                refused += 1
                self.message_user(request, f"« {obj} » : {' '.join(error.messages)}", messages.ERROR)
            else:
                accepted += 1
        self.message_user(request, _t("%(accepted)d document(s) accepté(s) ; %(refused)d non accepté(s).")
                          % {"accepted": accepted, "refused": refused},
                          messages.SUCCESS if accepted else messages.WARNING)
        return None
