"""Staff side of the associations' vaults of permanent papers: list, preview, accept (one or several),
reject with a reason. Papers come from the associations (portal): staff review them, never add them.

The state changes only through ``documents.vault_services``; the validity shown is
``documents.vault``'s.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from core.admin_base import DomainAdmin
from core.dates import french_date
from documents.admin_review import RejectForm, ReviewAdminMixin
from documents.models import DocumentStatus, VaultPaper
from documents.vault import is_valid_on, paper_in_force
from documents.vault_services import (
    vault_acceptance_conflict,
    vault_paper_accept,
    vault_paper_reject,
)
from documents.views import stored_file_response


@admin.register(VaultPaper)
class VaultPaperAdmin(ReviewAdminMixin, DomainAdmin):
    list_display = ["beneficiary", "kind", "valid_from", "valid_until_display", "status", "download"]
    list_filter = ["status", "kind"]
    search_fields = ["beneficiary__name", "beneficiary__acronym"]
    list_select_related = ["beneficiary", "uploaded_by"]
    fields = ["beneficiary", "kind", "valid_from", "valid_until_display", "in_force", "status", "download",
              "uploaded_at", "uploaded_by", "rejection_reason"]
    readonly_fields = fields
    change_form_template = "admin/documents/vaultpaper/change_form.html"
    actions = ["accept_selected"]
    preview_url_name = "documents_vaultpaper_preview"

    class Media:
        css = {"all": ["css/admin.css"]}

    def has_add_permission(self, request):
        return False  # the association gives its papers, on the portal

    def accept_one(self, obj, user):
        return vault_paper_accept(paper=obj, by=user)

    def acceptance_conflict(self, obj, user):
        return vault_acceptance_conflict(obj, user)

    def file_name(self, obj):
        return slugify(obj.beneficiary.short_name)

    @admin.display(description=_("valable jusqu'au"))
    def valid_until_display(self, paper):
        return french_date(paper.valid_until) if paper.valid_until else _t("tant que non remplacé")

    @admin.display(description=_("en vigueur aujourd'hui"), boolean=True)
    def in_force(self, paper):
        today = timezone.localdate()
        return is_valid_on(paper, today) and paper_in_force(paper.beneficiary_id, paper.kind, on=today) == paper

    @admin.display(description=_("fichier"))
    def download(self, paper):
        if not paper.pk or not paper.file:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:documents_vaultpaper_file", args=[paper.pk]),
                           _t("Télécharger"))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.status == DocumentStatus.RECEIVED:
            context["acceptance_conflict"] = vault_acceptance_conflict(obj, request.user)
        context.update(self.preview_context(obj))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/fichier/", wrap(self.file_view), name="documents_vaultpaper_file"),
            path("<path:object_id>/apercu/", wrap(self.preview_view), name="documents_vaultpaper_preview"),
            path("<path:object_id>/accepter/", wrap(self.accept_view), name="documents_vaultpaper_accept"),
            path("<path:object_id>/refuser/", wrap(self.reject_view), name="documents_vaultpaper_reject"),
            *super().get_urls(),
        ]

    def file_view(self, request, object_id):
        paper = self._reviewed_object(request, object_id)
        return stored_file_response(paper, name=self.file_name(paper))

    def _changed_object(self, request, object_id):
        paper = self._reviewed_object(request, object_id)
        if not self.has_change_permission(request, paper):
            raise PermissionDenied
        return paper

    def accept_view(self, request, object_id):
        paper = self._changed_object(request, object_id)
        change_url = reverse("admin:documents_vaultpaper_change", args=[paper.pk])
        if request.method != "POST":
            return redirect(change_url)
        try:
            vault_paper_accept(paper=paper, by=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, _t("« %(paper)s » est accepté.") % {"paper": paper}, messages.SUCCESS)
        return redirect(change_url)

    def reject_view(self, request, object_id):
        paper = self._changed_object(request, object_id)
        change_url = reverse("admin:documents_vaultpaper_change", args=[paper.pk])
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                vault_paper_reject(paper=paper, reason=form.cleaned_data["reason"], by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, _t("« %(paper)s » est refusé ; l'association voit le motif.")
                                  % {"paper": paper}, messages.SUCCESS)
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": paper,
            "title": _t("Refuser « %(paper)s »") % {"paper": paper}, "form": form,
        }
        return TemplateResponse(request, "admin/documents/document/reject.html", context)
