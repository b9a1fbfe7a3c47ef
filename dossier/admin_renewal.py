"""Renewal in the staff admin: « Renouveler pour l'année suivante », its confirmation page, the links."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from conventions.models import Convention
from dossier.renewal import convention_renew, next_year_reference, renewal_refusal


def _change_link(convention: Convention):
    url = reverse("admin:conventions_convention_change", args=[convention.pk])
    return format_html('<a href="{}">{}</a> ({}, {})', url, convention.reference, convention.fiscal_year,
                       convention.get_status_display().lower())


class RenewalAdminMixin:
    """Adds the renewal page, its button and the link between an agreement and its renewal."""

    def get_urls(self):
        return [
            path("<path:object_id>/renouveler/", self.admin_site.admin_view(self.renew_view),
                 name="conventions_convention_renew"),
            *super().get_urls(),
        ]

    def may_renew(self, request) -> bool:
        return self.has_add_permission(request)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None and self.may_renew(request) and renewal_refusal(obj) is None:
            context["renew_url"] = reverse("admin:conventions_convention_renew", args=[obj.pk])
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    @admin.display(description=_("Renouvellement"))
    def renewal_links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        parts = []
        if obj.renewed_from_id:
            parts.append(format_html("{} {}", _t("Renouvelle la convention"), _change_link(obj.renewed_from)))
        renewal = Convention.objects.filter(renewed_from=obj).first()
        if renewal is not None:
            parts.append(format_html("{} {}", _t("Renouvelée pour l'année suivante par la convention"),
                                     _change_link(renewal)))
        if not parts:
            return _t("Ni renouvellement d'une convention précédente, ni renouvelée.")
        return format_html("{}", format_html("<br>".join(["{}"] * len(parts)), *parts))

    def renew_view(self, request, object_id):
        convention = self.get_object(request, unquote(object_id))
        if convention is None:
            raise Http404
        if not self.may_renew(request):
            raise PermissionDenied
        change_url = reverse("admin:conventions_convention_change", args=[convention.pk])
        errors = []
        if request.method == "POST":
            try:
                renewal = convention_renew(convention=convention, user=request.user)
            except ValidationError as error:
                errors = error.messages
            else:
                messages.success(request, _t(
                    "La convention %(reference)s est renouvelée pour %(year)s : voici le projet %(renewal)s. "
                    "Le montant et la délibération restent à voter.") % {
                    "reference": convention.reference, "year": renewal.fiscal_year, "renewal": renewal.reference})
                return redirect("admin:conventions_convention_change", renewal.pk)
        refusal = renewal_refusal(convention)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": convention,
            "title": _t("Renouveler pour l'année suivante — %(reference)s") % {"reference": convention.reference},
            "change_url": change_url,
            "refusal": refusal, "errors": errors, "next_year": convention.fiscal_year + 1,
            "next_reference": None if refusal else next_year_reference(convention),
            "has_clauses": convention.clauses.exists(),
            "has_budget": convention.budgets.filter(kind="forecast", lines__isnull=False).exists(),
        }
        return TemplateResponse(request, "admin/conventions/renewal_confirm.html", context)
