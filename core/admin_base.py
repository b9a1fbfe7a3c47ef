"""Base classes of the staff admin: history on every domain model, French number input."""

from collections.abc import Sequence

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.encoding import force_str
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin_history import ChildHistory, FrenchHistoryContext

#: Amounts typed and shown the French way (« 66 000,00 »), in forms and inlines alike.
FRENCH_NUMBERS = {models.DecimalField: {"localize": True}}


class DomainAdmin(SimpleHistoryAdmin):
    """A domain model's admin: its history page lists who changed what, old → new, in French.

    ``history_children`` names the rows edited with the object (inlines, imports) whose
    history is listed under the object's own (``conventions.admin_history``).
    """

    formfield_overrides = FRENCH_NUMBERS
    #: Fifty rows a page: lists are searched and filtered, and a page of 100 rows cost twice the
    #: rendering time for rows nobody reads (bench/RESULTS.md).
    list_per_page = 50
    object_history_template = "admin/domain_object_history.html"
    object_history_list_template = "admin/domain_object_history_list.html"
    history_children: Sequence[ChildHistory] = ()

    def get_historical_record_context_helper(self, request, historical_record):
        return FrenchHistoryContext(self.model, historical_record)

    def history_view_title(self, request, obj):
        return _("Historique : %(object)s") % {"object": force_str(obj)}

    def history_view(self, request, object_id, extra_context=None):
        pk = unquote(object_id)

        def child_histories():  # called by the template, once the permission has been checked
            return [child.entries(pk) for child in self.history_children]

        return super().history_view(request, object_id, {"child_histories": child_histories, **(extra_context or {})})

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Show a past version read-only; never save from it (it would bypass every guard)."""
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


def year_column(model, path: str):
    """Return a list column showing a year as written (« 2026 »), not as a number (« 2 026 »).

    The admin formats integer fields with the thousands separator (USE_THOUSAND_SEPARATOR).
    ``path`` names a field of ``model``, or of a related model (``convention__fiscal_year``).
    """
    names = path.split("__")

    def column(obj):
        for name in names:
            obj = getattr(obj, name)
            if obj is None:  # an empty relation on the way (a budget with no agreement yet)
                return ""
        return str(obj)

    field_model = model
    for name in names[:-1]:
        field_model = field_model._meta.get_field(name).related_model
    column.__name__ = path  # the column keeps its class « column-<path> »
    description = capfirst(field_model._meta.get_field(names[-1]).verbose_name)
    return admin.display(description=description, ordering=path)(column)


class DomainTabularInline(admin.TabularInline):
    formfield_overrides = FRENCH_NUMBERS


class OptimisticLockAdminMixin:
    """Refuse the second of two concurrent saves of the same object, keeping what was typed.

    The model has a ``version`` integer. The change form carries the version it was opened at;
    on save the row is locked (the request is atomic) and the versions compared. If somebody
    saved in between, or the post carries no version, the form comes back with a French error
    and the user's input intact.
    """

    version_field = "version"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:
            fields = kwargs.get("fields") or flatten_fieldsets(self.get_fieldsets(request, obj))
            kwargs["fields"] = [f for f in fields if f != "seen_version"]
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form_class
        field_name = self.version_field

        class LockedForm(form_class):
            seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                if not self.is_bound:
                    self.initial["seen_version"] = getattr(self.instance, field_name)

            def clean(self):
                cleaned = super().clean()
                seen = cleaned.get("seen_version")
                current = (
                    type(self.instance).objects.select_for_update(of=("self",)).filter(pk=self.instance.pk)
                    .values_list(field_name, flat=True).first()
                )
                # A post without the version it was opened at cannot be told from a stale one.
                if current is not None and seen != current:
                    raise forms.ValidationError(
                        _("Quelqu'un d'autre a enregistré cette fiche pendant que vous la modifiiez. "
                          "Vos saisies sont conservées ci-dessous : rechargez la page dans un autre onglet "
                          "pour voir la version enregistrée, reportez vos modifications, puis enregistrez."),
                        code="stale",
                    )
                return cleaned

        return LockedForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        first_name, first_options = fieldsets[0]
        return [(first_name, {**first_options, "fields": [*first_options["fields"], "seen_version"]}), *fieldsets[1:]]

    def save_model(self, request, obj, form, change):
        if change:
            setattr(obj, self.version_field, getattr(obj, self.version_field) + 1)
        super().save_model(request, obj, form, change)


class DomainStackedInline(admin.StackedInline):
    formfield_overrides = FRENCH_NUMBERS
