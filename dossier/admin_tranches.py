"""The yearly tranches of a multi-year agreement in the staff admin: edited inline, voted one by one.

The inline validates with the services' own rules (``conventions.services.tranche_rows_refusals``)
and saves through ``convention_tranches_save``; a year's vote is recorded on a confirmation page
(``tranche_vote``), never by typing a field.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from conventions.deliberation import deliberation_text
from conventions.models import Tranche
from conventions.services import (
    TRANCHE_FIELDS,
    convention_tranches_save,
    tranche_rows_refusals,
    tranche_vote,
    tranche_vote_refusal,
)
from core.admin_base import DomainTabularInline
from core.dates import french_date
from core.money import format_euros


def formset_rows(formset) -> list[dict]:
    """Return the schedule typed in the inline as the services' rows (``TRANCHE_FIELDS``, ``tranche``, ``delete``)."""
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None)
        if not data or (not form.has_changed() and form.instance.pk is None):
            continue
        row = {name: data.get(name) for name in TRANCHE_FIELDS}
        row["deliberation_body"] = row["deliberation_body"] or ""
        row["deliberation_number"] = (row["deliberation_number"] or "").strip()
        row["tranche"] = form.instance if form.instance.pk else None
        row["delete"] = bool(data.get("DELETE"))
        rows.append(row)
    return rows


class TrancheFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        refusals = tranche_rows_refusals(convention=self.instance, rows=formset_rows(self))
        if refusals:
            raise forms.ValidationError(refusals)


class TrancheInline(DomainTabularInline):
    """The yearly schedule: year, amount, that year's vote. Only for a multi-year agreement."""

    model = Tranche
    formset = TrancheFormSet
    extra = 0
    max_num = 4
    fields = ["year", "amount", "deliberation_body", "deliberation_number", "deliberation_date",
              "deliberation_year", "deliberation_month", "vote"]
    readonly_fields = ["vote"]
    verbose_name_plural = _("Tranches annuelles (convention pluriannuelle : le total est la somme des années)")

    @admin.display(description=_("vote de l'année"))
    def vote(self, tranche):
        if tranche.pk is None:
            return "—"
        if tranche.is_voted:
            return _("Voté (%(text)s)") % {"text": deliberation_text(tranche)}
        url = reverse("admin:conventions_tranche_vote", args=[tranche.convention_id, tranche.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Enregistrer le vote"))


class TrancheAdminMixin:
    """On the agreement's admin: the tranches inline saved through the service, and the vote page."""

    def get_urls(self):
        custom = [
            path("<path:object_id>/annees/<int:tranche_id>/voter/", self.admin_site.admin_view(self.tranche_vote_view),
                 name="conventions_tranche_vote"),
        ]
        return custom + super().get_urls()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_multiannual and "amount_granted" not in fields:
            fields.append("amount_granted")  # the sum of the years (conventions.tranches)
        return fields

    def get_inline_instances(self, request, obj=None):
        return [inline for inline in super().get_inline_instances(request, obj)
                if not isinstance(inline, TrancheInline) or obj is None or obj.is_multiannual]

    def save_formset(self, request, form, formset, change):
        if formset.model is not Tranche:
            return super().save_formset(request, form, formset, change)
        convention_tranches_save(convention=form.instance, rows=formset_rows(formset), user=request.user)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return None

    def tranche_vote_view(self, request, object_id, tranche_id):
        convention = self.get_object(request, unquote(object_id))
        if convention is None or not self.has_change_permission(request, convention):
            raise Http404
        tranche = convention.tranches.select_related("convention__funder").filter(pk=tranche_id).first()
        if tranche is None:
            raise Http404
        change_url = reverse("admin:conventions_convention_change", args=[convention.pk])
        if request.method == "POST":
            try:
                tranche_vote(tranche=tranche, user=request.user)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("Le vote de l'année %(year)s est enregistré : son montant ne change plus "
                                            "que par un avenant.") % {"year": tranche.year})
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": convention,
            "tranche": tranche, "amount": format_euros(tranche.amount), "deliberation": deliberation_text(tranche),
            "refusal": tranche_vote_refusal(tranche), "change_url": change_url,
            "title": _("Vote de l'année %(year)s") % {"year": tranche.year},
            "voted_on": french_date(tranche.deliberation_date),
        }
        return TemplateResponse(request, "admin/conventions/tranche_vote_confirm.html", context)
