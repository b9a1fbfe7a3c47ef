"""Guided steps on the staff pages: an association's agreements, and what an agreement needs next.

- The association's page lists its agreements (reference, title, year, state, amount in force from
  ``conventions.amounts.effective_amount``) with « Nouvelle convention », the agreement's add form
  with the association filled in. ``beneficiaries`` sits below the agreements: the page is
  composed here, by a subclass of its admin registered in its place.
- The agreement's page shows its budgets, indicator reports and documents, each with « ajouter »
  going straight to the add form with the agreement filled in, and « Prochaines étapes », read
  from the lifecycle's main path and the requirements table (``dossier.lifecycle.next_steps``).
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from beneficiaries.admin import BeneficiaryAdmin
from beneficiaries.models import Beneficiary
from budgets.models import Budget
from conventions.amounts import effective_amount
from conventions.models import Convention
from core.money import format_euros
from documents.models import Document
from dossier.lifecycle import next_steps
from indicators.models import IndicatorReport


def add_url(model, request, **initial) -> str | None:
    """Return the admin's add form of ``model`` with ``initial`` filled in, or None without the permission."""
    opts = model._meta
    if not request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}"):
        return None
    return f"{reverse(f'admin:{opts.app_label}_{opts.model_name}_add')}?{urlencode(initial)}"


class AssociationAgreementsAdmin(BeneficiaryAdmin):
    change_form_template = "admin/dossier/beneficiary_change_form.html"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            agreements = Convention.objects.filter(beneficiary=obj).with_amount_in_force().order_by(
                "-fiscal_year", "reference")
            context["association_agreements"] = [
                (agreement, reverse("admin:conventions_convention_change", args=[agreement.pk]),
                 format_euros(effective_amount(agreement))) for agreement in agreements
            ]
            context["new_agreement_url"] = add_url(Convention, request, beneficiary=obj.pk)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


admin.site.unregister(Beneficiary)
admin.site.register(Beneficiary, AssociationAgreementsAdmin)


#: The blocks of the agreement's page that « ajouter » fills: (title, model, the agreement's related rows).
AGREEMENT_BLOCKS = (
    (_("Budgets"), Budget, "budgets", _("ajouter un budget")),
    (_("Indicateurs"), IndicatorReport, "indicator_reports", _("ajouter un rapport d’indicateurs")),
    (_("Justificatifs"), Document, "documents", _("ajouter un justificatif")),
)


class GuidedStepsAdminMixin:
    """Adds to the agreement's page its blocks with « ajouter » links and « Prochaines étapes »."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context["agreement_blocks"] = [
                (title, [(row, reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row.pk]))
                         for row in getattr(obj, related).all()],
                 add_url(model, request, convention=obj.pk), add_label)
                for title, model, related, add_label in AGREEMENT_BLOCKS
            ]
            context["next_steps"] = next_steps(obj)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)
