"""Base classes of the staff admin: history on every domain model, French number input."""

from collections.abc import Sequence
from functools import wraps

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.urls import URLPattern
from django.utils.encoding import force_str
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin_delete import BoundedDeletePagesMixin
from core.admin_history import ChildHistory, FrenchHistoryContext
from core.admin_wording import FrenchTitlesMixin
from core.dates import french_date, french_datetime
from core.object_ids import parse_object_id

#: Amounts typed and shown the French way (« 66 000,00 »), in forms and inlines alike.
FRENCH_NUMBERS = {models.DecimalField: {"localize": True}}


class _ExistingChoicesOnly:
    """An autocomplete widget that shows a posted value again only if it can name a row.

    Django's widget looks the posted values up to show their labels: a forged « 1.5 » or a NUL
    in the field was a server error on the page that re-displays the form with its errors
    (« Field 'id' expected a number »). The field itself refuses the value, in French.
    """

    def optgroups(self, name, value, attr=None):
        opts = self.field.remote_field.model._meta
        target = opts.get_field(getattr(self.field.remote_field, "field_name", None) or opts.pk.attname)
        return super().optgroups(name, [v for v in value if _names_a_row(target, v)], attr)


def _names_a_row(field, value) -> bool:
    try:
        field.get_prep_value(field.to_python(value))
    except (ValidationError, ValueError, TypeError):
        return False
    return True


class ExistingChoicesAutocompleteSelect(_ExistingChoicesOnly, AutocompleteSelect):
    pass


class ExistingChoicesAutocompleteSelectMultiple(_ExistingChoicesOnly, AutocompleteSelectMultiple):
    pass


class DomainFormFieldsMixin:
    """The form fields of the domain's admin pages and inlines: autocomplete widgets that survive
    a forged value; integer fields that refuse what their column refuses, as the form is cleaned.

    Django runs an integer column's range (and the model's own bounds, such as the years of
    ``core.deadlines``) only once the typed value is on the object: refused, the value stayed
    there, and the page that showed the form again computed the object's deadlines from a year
    2**63 (a server error).
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.IntegerField) and isinstance(field, forms.IntegerField):
            field.validators = [*field.validators, *(v for v in db_field.validators if v not in field.validators)]
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ExistingChoicesAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = ExistingChoicesAutocompleteSelectMultiple(db_field, self.admin_site,
                                                                         using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _known_ids_only(model, view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if "object_id" in kwargs and parse_object_id(model, unquote(kwargs["object_id"])) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return guarded



#: Integer fields that hold a year: printed as written when read-only (« 2025 », never « 2 025 »).
YEAR_FIELD_NAMES = frozenset({"fiscal_year", "year", "deliberation_year"})


def _french_column(model, name: str, field):
    """Return a read-only column printing a date (« 1er décembre 2026 ») or a date-time the French way."""
    printer = french_datetime if isinstance(field, models.DateTimeField) else french_date

    def column(obj):
        value = getattr(obj, name)
        return "-" if value is None else printer(value)

    column.__name__ = name  # the row keeps its class « field-<name> »
    return admin.display(description=capfirst(field.verbose_name))(column)


def _french_fields(model, names) -> dict:
    """Return, for the read-only ``names`` of ``model`` that are years or dates, the column that prints them."""
    columns = {}
    for name in names:
        if not isinstance(name, str):
            continue
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if name in YEAR_FIELD_NAMES and isinstance(field, models.IntegerField):
            columns[name] = year_column(model, name)
        elif isinstance(field, models.DateField):  # DateTimeField included
            columns[name] = _french_column(model, name, field)
    return columns


def _swap(fields, years):
    return [tuple(years.get(f, f) for f in field) if isinstance(field, list | tuple) else years.get(field, field)
            for field in fields]


def print_years_as_written(container, model) -> None:
    """Let a change form's read-only years and dates print the French way (``core.dates``).

    The admin formats an integer as a number (« 2 025 ») and a date with « j F Y » (« 1 décembre »).
    ``container`` is the ``AdminForm`` or an inline's ``InlineAdminFormSet``: its read-only year
    and date fields are replaced by display callables, which the admin renders as they return them.
    """
    columns = _french_fields(model, container.readonly_fields)
    if not columns:
        return
    container.readonly_fields = _swap(container.readonly_fields, columns)
    container.fieldsets = [(name, {**options, "fields": _swap(options.get("fields", ()), columns)})
                           for name, options in container.fieldsets]


class DomainAdmin(BoundedDeletePagesMixin, FrenchTitlesMixin, DomainFormFieldsMixin, SimpleHistoryAdmin):
    """A domain model's admin: its history page lists who changed what, old → new, in French.

    ``history_children`` names the rows edited with the object (inlines, imports) whose
    history is listed under the object's own (``conventions.admin_history``). Its delete pages
    stay bounded however many rows the object drags along (``core.admin_delete``).
    """

    formfield_overrides = FRENCH_NUMBERS
    #: Fifty rows a page: lists are searched and filtered, and a page of 100 rows cost twice the
    #: rendering time for rows nobody reads (bench/RESULTS.md).
    list_per_page = 50
    object_history_template = "admin/domain_object_history.html"
    object_history_list_template = "admin/domain_object_history_list.html"
    history_children: Sequence[ChildHistory] = ()

    @property
    def urls(self):
        """Every address of the model's admin, its own pages included, answers the French 404
        page to an identifier that cannot be one (« abc », « 1.5 »): several views (the history,
        the invitation, the document review) looked it up as it came and failed on the query."""
        return [
            URLPattern(p.pattern, _known_ids_only(self.model, p.callback), p.default_args, p.name)
            if isinstance(p, URLPattern) and "object_id" in p.pattern.converters else p
            for p in self.get_urls()
        ]

    def get_historical_record_context_helper(self, request, historical_record):
        return FrenchHistoryContext(self.model, historical_record)

    def history_view_title(self, request, obj):
        return _("Historique : %(object)s") % {"object": force_str(obj)}

    def history_view(self, request, object_id, extra_context=None):
        pk = unquote(object_id)

        def child_histories():  # called by the template, once the permission has been checked
            return [child.entries(pk) for child in self.history_children]

        return super().history_view(request, object_id, {"child_histories": child_histories, **(extra_context or {})})

    def render_change_form(self, request, context, *args, **kwargs):
        """Print read-only years as written, in the form and in its inlines (``print_years_as_written``)."""
        if context.get("adminform") is not None:
            print_years_as_written(context["adminform"], self.model)
        for inline in context.get("inline_admin_formsets", ()):
            print_years_as_written(inline, inline.opts.model)
        return super().render_change_form(request, context, *args, **kwargs)

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


class SavedRowsOnlyFormSet(BaseInlineFormSet):
    """The rows of an inline that allows no addition: the saved ones, whatever the post says.

    Django builds as many rows as the posted ``TOTAL_FORMS`` asks, even where nothing may be
    added; it saves none of them, but the page that shows the form again computes their
    read-only columns, for rows that have no agreement (a server error, for the link of the
    budgets' comparison). ``can_add`` is set by ``DomainInlineMixin.get_formset``.
    """

    can_add = True

    def total_form_count(self):
        count = super().total_form_count()
        if self.is_bound and not self.can_add:
            return min(count, len(self.get_queryset()))
        return count


def labelled_rows(formset):
    """``formset`` whose every visible control is named (``aria-label``: its column and row).

    A tabular inline shows each field's label once, in the column header, and none on the
    controls of its rows: a screen reader announces « case à cocher » or « zone de saisie »
    with no name (RGAA 11.1, axe-core ``label``). The name is the field's label and the row,
    « Montant (ligne 3) »; the empty row that JavaScript copies for a new line has no number.
    """

    class Labelled(formset):
        def add_fields(self, form, index):
            super().add_fields(form, index)
            row = f" (ligne {index + 1})" if index is not None else ""
            for field in form.fields.values():
                if not field.widget.is_hidden and field.label:
                    field.widget.attrs.setdefault("aria-label", f"{field.label}{row}")

    Labelled.__name__ = Labelled.__qualname__ = formset.__name__
    return Labelled


class DomainInlineMixin(DomainFormFieldsMixin):
    formfield_overrides = FRENCH_NUMBERS
    formset = SavedRowsOnlyFormSet

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if issubclass(formset, SavedRowsOnlyFormSet):
            formset.can_add = self.has_add_permission(request, obj)
        return labelled_rows(formset)


class DomainTabularInline(DomainInlineMixin, admin.TabularInline):
    pass


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


class DomainStackedInline(DomainInlineMixin, admin.StackedInline):
    pass
