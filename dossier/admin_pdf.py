"""Staff admin for the printed agreement: clause templates, the adjusted text, previews, freezing.

Mixed into ``ConventionAdmin`` and ``AmendmentAdmin`` (``conventions/admin.py``): a preview
of the PDF from the change page (or the « ce qui manque » page), the stored signed PDF once
signed, and read-only data after the signature.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from conventions.clauses.engine import PLACEHOLDERS
from conventions.clauses.models import ClauseTemplate, ClauseTemplateSection, ConventionClause
from conventions.clauses.services import (
    clause_template_new_version,
    clause_template_publish,
    convention_clause_update,
    convention_clauses_prepare,
    convention_text_is_editable,
)
from conventions.freeze import (
    AFTER_SIGNATURE_FIELDS,
    AMENDMENT_FROZEN_FIELDS,
    FROZEN_FIELDS,
    amendment_is_frozen,
    ensure_amendment_unfrozen,
    has_signed_pdf,
)
from core.admin_base import DomainAdmin, DomainStackedInline
from core.admin_history import ChildHistory
from deliberations.locks import VOTED_FIELDS, voted_line_of
from dossier.printing.agreement import (
    agreement_data_load,
    agreement_pdf_missing,
    agreement_pdf_render,
)
from dossier.printing.amendment import amendment_pdf_missing, amendment_pdf_render
from dossier.printing.legality import has_executory_copy
from dossier.printing.responses import (
    executory_pdf_response,
    pdf_response,
    signed_filename,
    signed_pdf_response,
)

LONG_TEXT = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 12, "cols": 110})}}


def placeholders_help() -> str:
    """Return the list of data a clause may print, as HTML for the staff."""
    items = format_html_join("", "<li><code>{{{{ {} }}}}</code> : {}</li>", PLACEHOLDERS.items())
    return format_html("<ul class='placeholders'>{}</ul>", items)


class ClauseTemplateSectionInline(DomainStackedInline):
    model = ClauseTemplateSection
    extra = 0
    fields = ["position", "number", "title", "body"]
    formfield_overrides = {**DomainStackedInline.formfield_overrides, **LONG_TEXT}

    def _editable(self, obj) -> bool:
        return obj is None or not obj.is_published

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(obj)


@admin.register(ClauseTemplate)
class ClauseTemplateAdmin(DomainAdmin):
    list_display = ["funder", "name", "version", "published_at"]
    list_filter = ["funder"]
    list_select_related = ["funder"]
    inlines = [ClauseTemplateSectionInline]
    history_children = [
        ChildHistory("conventions.ClauseTemplateSection", "template", _("Clauses du modèle"),
                     label=lambda record: record.history_object.heading),
    ]
    actions = ["publish", "new_version"]
    readonly_fields = ["published_at", "published_by", "placeholders"]
    fields = ["funder", "version", "name", "note", "published_at", "published_by", "placeholders"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return [*self.fields]
        return self.readonly_fields

    @admin.display(description=_("Données utilisables dans les clauses"))
    def placeholders(self, obj):
        return placeholders_help()

    @admin.action(description=_("Publier les versions sélectionnées"))
    def publish(self, request, queryset):
        self._apply(request, queryset, clause_template_publish, _("Version %(version)s publiée."))

    @admin.action(description=_("Créer une nouvelle version (brouillon) à partir de celle-ci"))
    def new_version(self, request, queryset):
        self._apply(request, queryset, clause_template_new_version, _("Version %(version)s créée en brouillon."))

    def _apply(self, request, queryset, service, message):
        for template in queryset:
            try:
                result = service(template=template, user=request.user)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, message % {"version": result.version}, messages.SUCCESS)


class ConventionClauseInline(DomainStackedInline):
    model = ConventionClause
    extra = 0
    can_delete = False
    fields = ["number", "title", "body"]
    readonly_fields = ["number"]
    classes = ["collapse"]
    formfield_overrides = {**DomainStackedInline.formfield_overrides, **LONG_TEXT}
    verbose_name_plural = _("Texte des articles (modifiable jusqu'au vote ; c'est ce texte qui est imprimé)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or convention_text_is_editable(obj))


class ConventionPdfAdminMixin:
    """The agreement's PDF from its change page, and its data frozen once signed.

    The buttons are in ``admin/conventions/convention/change_form.html`` (block object-tools-items).
    """

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<path:object_id>/pdf/", self.admin_site.admin_view(self.pdf_view), name=f"{info}_pdf"),
            path("<path:object_id>/pdf-executoire/", self.admin_site.admin_view(self.executory_pdf_view),
                 name=f"{info}_executory_pdf"),
            path("<path:object_id>/articles/", self.admin_site.admin_view(require_POST(self.prepare_clauses_view)),
                 name=f"{info}_prepare_clauses"),
            *super().get_urls(),
        ]

    def _get_convention(self, request, object_id, *, change=False):
        convention = self.get_object(request, unquote(object_id))
        if convention is None:
            raise Http404
        allowed = self.has_change_permission(request, convention) if change else self.has_view_or_change_permission(
            request, convention)
        if not allowed:
            raise PermissionDenied
        return convention

    def pdf_view(self, request, object_id):
        """Show the signed PDF once stored; before, a preview from current data or what is missing."""
        convention = self._get_convention(request, object_id)
        download = "telecharger" in request.GET
        if has_signed_pdf(convention):
            return signed_pdf_response(request, convention, signed_filename(convention), download=download,
                                       base_template="admin/base_site.html")
        data = agreement_data_load(convention)
        missing = agreement_pdf_missing(convention, data=data)
        if missing:
            context = {**self.admin_site.each_context(request), "opts": self.opts, "convention": convention,
                       "missing": missing, "title": _("Ce qui manque pour imprimer la convention")}
            return TemplateResponse(request, "conventions/convention_pdf_missing.html", context)
        content = agreement_pdf_render(convention, data=data)
        return pdf_response(content, f"convention-{convention.reference}-apercu.pdf", download=download)

    def executory_pdf_view(self, request, object_id):
        """The signed PDF stamped with its receipt at the legality control, once both are recorded."""
        convention = self._get_convention(request, object_id)
        if not has_executory_copy(convention):
            raise Http404
        return executory_pdf_response(request, convention, download="telecharger" in request.GET,
                                      base_template="admin/base_site.html")

    def prepare_clauses_view(self, request, object_id):
        convention = self._get_convention(request, object_id, change=True)
        try:
            convention_clauses_prepare(convention=convention, user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, _("Le texte des articles est prêt à être adapté ci-dessous."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:conventions_convention_change", args=[convention.pk]))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_signed:
            readonly += [name for name in FROZEN_FIELDS if name not in readonly]
        else:  # the legality control follows the signature
            readonly += [name for name in AFTER_SIGNATURE_FIELDS if name not in readonly]
            if voted_line_of(obj) is not None:  # drawn from a deliberation's vote: an amendment changes it
                readonly += [name for name in VOTED_FIELDS if name not in readonly]
        return readonly

    def save_formset(self, request, form, formset, change):
        """Save the adjusted articles through their service, which refuses after the vote."""
        if formset.model is not ConventionClause:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for clause_form in formset.forms:
            if clause_form.instance.pk and clause_form.has_changed():
                clause = convention_clause_update(
                    clause=clause_form.instance, title=clause_form.cleaned_data["title"],
                    body=clause_form.cleaned_data["body"], user=request.user,
                )
                formset.changed_objects.append((clause, clause_form.changed_data))
        return None

    def save_model(self, request, obj, form, change):
        """Record why the agreement changed when its legality control is entered (its history says so)."""
        if change and set(form.changed_data) & set(AFTER_SIGNATURE_FIELDS):
            obj._change_reason = _("Contrôle de légalité enregistré")
        super().save_model(request, obj, form, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "clauses_editable": False}
        convention = self.get_object(request, unquote(object_id))
        if convention is not None:
            extra_context["clauses_editable"] = convention_text_is_editable(convention)
            extra_context["has_signed_pdf"] = has_signed_pdf(convention)
            extra_context["has_executory_copy"] = has_executory_copy(convention)
        return super().change_view(request, object_id, form_url, extra_context)


class AmendmentInlineForm(forms.ModelForm):
    """An amendment row whose fields are disabled once it is signed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if amendment_is_frozen(self.instance):
            for field in self.fields.values():
                field.disabled = True


class AmendmentPdfAdminMixin:
    """The amendment's PDF from its change page, and its data frozen once signed."""

    change_form_template = "conventions/amendment_change_form.html"

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("<path:object_id>/pdf/", self.admin_site.admin_view(self.pdf_view), name=f"{info}_pdf"),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("convention__funder", "convention__beneficiary")

    def pdf_view(self, request, object_id):
        amendment = self.get_object(request, unquote(object_id))
        if amendment is None:
            raise Http404
        if not self.has_view_or_change_permission(request, amendment):
            raise PermissionDenied
        download = "telecharger" in request.GET
        if has_signed_pdf(amendment):
            return signed_pdf_response(request, amendment, signed_filename(amendment), download=download,
                                       base_template="admin/base_site.html")
        missing = amendment_pdf_missing(amendment)
        if missing:
            context = {**self.admin_site.each_context(request), "opts": self.opts, "convention": amendment.convention,
                       "missing": missing, "title": _("Ce qui manque pour imprimer l'avenant")}
            return TemplateResponse(request, "conventions/convention_pdf_missing.html", context)
        content = amendment_pdf_render(amendment)
        return pdf_response(content, f"avenant-{amendment.number}-{amendment.convention.reference}-apercu.pdf",
                            download=download)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and amendment_is_frozen(obj):
            readonly += [name for name in AMENDMENT_FROZEN_FIELDS if name not in readonly]
        return readonly

    def save_model(self, request, obj, form, change):
        ensure_amendment_unfrozen(obj)
        super().save_model(request, obj, form, change)
