"""Staff side of the documents an association owes: list, download, accept, reject with a reason.

The state of a document changes only through ``conventions.documents`` (services); the file is
downloaded through an authorising view, never from a public URL.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from conventions.notifications import association_recipients
from core.admin_base import DomainAdmin, DomainTabularInline
from documents import admin_vault  # noqa: F401  (registers the admin of the association's vault)
from documents.admin_review import RejectForm, ReviewAdminMixin
from documents.bounds import MAX_DOCUMENTS_PER_AGREEMENT, check_documents
from documents.models import Document, DocumentStatus
from documents.services import (
    acceptance_conflict,
    document_accept,
    document_reject,
    document_request,
)
from documents.views import document_file_response


def file_link(document: Document):
    if not document.pk or not document.file:
        return "—"
    url = reverse("admin:documents_document_file", args=[document.pk])
    return format_html('<a href="{}">{}</a>', url, _t("Télécharger"))


class DocumentFormSet(BaseInlineFormSet):
    """The agreement's documents: refused past ``MAX_DOCUMENTS_PER_AGREEMENT``, before anything is saved."""

    def clean(self):
        super().clean()
        kept = [form for form in self.forms if form.has_changed() or form.instance.pk]
        kept = [form for form in kept if not (self.can_delete and self._should_delete_form(form))]
        check_documents(form.cleaned_data.get("kind") or form.instance.kind for form in kept)


class DocumentAdminForm(forms.ModelForm):
    """A document added by hand counts against its agreement's bound."""

    def clean(self):
        cleaned = super().clean()
        convention = cleaned.get("convention")
        if convention is not None and self.instance.pk is None:
            check_documents([*convention.documents.values_list("kind", flat=True), cleaned.get("kind")])
        return cleaned


class DocumentInline(DomainTabularInline):
    model = Document
    formset = DocumentFormSet
    max_num = MAX_DOCUMENTS_PER_AGREEMENT
    extra = 0
    show_change_link = True
    fields = ["kind", "due_on", "status", "download", "uploaded_at", "rejection_reason"]
    readonly_fields = ["status", "download", "uploaded_at", "rejection_reason"]
    verbose_name_plural = _("Justificatifs (« Modifier » pour accepter ou refuser une pièce reçue)")

    @admin.display(description=_("fichier"))
    def download(self, document):
        return file_link(document)

    def get_queryset(self, request):
        # Each row's title names its agreement: read it with the rows, not once per row.
        return super().get_queryset(request).select_related("convention")


@admin.register(Document)
class DocumentAdmin(ReviewAdminMixin, DomainAdmin):
    form = DocumentAdminForm
    list_display = ["convention", "kind", "due_on", "status", "uploaded_at", "download"]
    list_filter = ["status", "kind"]
    search_fields = ["convention__reference", "convention__beneficiary__name"]
    list_select_related = ["convention__beneficiary"]
    autocomplete_fields = ["convention"]
    fields = ["convention", "kind", "due_on", "status", "download", "uploaded_at", "uploaded_by", "rejection_reason"]
    readonly_fields = ["status", "download", "uploaded_at", "uploaded_by", "rejection_reason"]
    change_form_template = "admin/documents/document/change_form.html"
    actions = ["accept_selected"]
    preview_url_name = "documents_document_preview"

    class Media:
        css = {"all": ["css/admin.css"]}

    def accept_one(self, obj, user):
        return document_accept(document=obj, by=user)

    def acceptance_conflict(self, obj, user):
        return acceptance_conflict(obj, user)

    def file_name(self, obj):
        return slugify(obj.convention.reference)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("convention__beneficiary", "uploaded_by")

    @admin.display(description=_("fichier"))
    def download(self, document):
        return file_link(document)

    def save_model(self, request, obj, form, change):
        """A document added here is asked of the association: created by the service, which emails it."""
        if change:
            return super().save_model(request, obj, form, change)
        document = document_request(convention=obj.convention, kind=obj.kind, due_on=obj.due_on, year=obj.year,
                                    by=request.user)
        obj.pk = document.pk
        obj._state.adding = False
        self._tell_emailed(request, document)

    def _tell_emailed(self, request, document: Document) -> None:
        """Say whether the association was told by email (the services send it), or could not be."""
        if association_recipients(document.convention):
            self.message_user(request, _t("L'association a été prévenue par courriel."), messages.INFO)
        else:
            self.message_user(request, _t("L'association n'a aucune adresse électronique : elle n'a pas été "
                                          "prévenue par courriel."), messages.WARNING)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.status == DocumentStatus.RECEIVED:
            context["acceptance_conflict"] = acceptance_conflict(obj, request.user)
        context.update(self.preview_context(obj))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/fichier/", wrap(self.file_view), name="documents_document_file"),
            path("<path:object_id>/apercu/", wrap(self.preview_view), name="documents_document_preview"),
            path("<path:object_id>/accepter/", wrap(self.accept_view), name="documents_document_accept"),
            path("<path:object_id>/refuser/", wrap(self.reject_view), name="documents_document_reject"),
            *super().get_urls(),
        ]

    def _get_document(self, request, object_id, *, change: bool) -> Document:
        document = get_object_or_404(Document.objects.select_related("convention"), pk=object_id)
        allowed = self.has_change_permission(request, document) if change else self.has_view_permission(request, document)
        if not allowed:
            raise PermissionDenied
        return document

    def file_view(self, request, object_id):
        """Download the file (staff who may view documents)."""
        return document_file_response(self._get_document(request, object_id, change=False))

    def accept_view(self, request, object_id):
        document = self._get_document(request, object_id, change=True)
        if request.method != "POST":
            return redirect(reverse("admin:documents_document_change", args=[document.pk]))
        try:
            document_accept(document=document, by=request.user)
            self.message_user(request, _t("« %(document)s » est accepté.") % {"document": document}, messages.SUCCESS)
            self._tell_emailed(request, document)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        return redirect(reverse("admin:documents_document_change", args=[document.pk]))

    def reject_view(self, request, object_id):
        document = self._get_document(request, object_id, change=True)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                document_reject(document=document, reason=form.cleaned_data["reason"], by=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, _t("« %(document)s » est refusé ; l'association voit le motif.")
                                  % {"document": document}, messages.SUCCESS)
                self._tell_emailed(request, document)
            return redirect(reverse("admin:documents_document_change", args=[document.pk]))
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": document,
            "title": _t("Refuser « %(document)s »") % {"document": document}, "form": form,
        }
        return TemplateResponse(request, "admin/documents/document/reject.html", context)
