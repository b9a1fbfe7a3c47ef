"""Portal downloads of the signed agreement and its signed amendments, for members only.

Each view loads the agreement through ``beneficiaries.portal`` (another association's
identifiers answer 404) and serves the exact stored bytes, checked against their SHA-256.
A document that is not signed yet, or not stored, answers 404 as well.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from beneficiaries.portal import CurrentBeneficiaryMixin
from budgets.selectors import previous_forecast
from budgets.views import BudgetMixin
from conventions.access import MemberConventionMixin
from conventions.amounts import yearly_schedule
from conventions.contact import agreement_contact
from conventions.freeze import has_signed_pdf
from conventions.legality import legality_summary
from conventions.models import Convention
from conventions.tranches import total_shown
from dossier import accessibility
from dossier.accessibility import statement_publisher
from dossier.portal_home import expected_items
from dossier.portal_timeline import agreement_timeline
from dossier.portal_years import agreement_years
from dossier.printing.amendment import amendments_for_portal
from dossier.printing.legality import has_executory_copy
from dossier.printing.responses import executory_pdf_response, signed_filename, signed_pdf_response
from dossier.renewal import renewal_budget_copy
from messaging.models import Side
from messaging.services import unread_count

PORTAL_BASE = "portal_base.html"


class SignedConventionPdfView(MemberConventionMixin, View):
    """Download the signed agreement."""

    def get(self, request, *args, **kwargs):
        if not (self.convention.is_signed and has_signed_pdf(self.convention)):
            raise Http404("Cette convention n'est pas encore signée.")
        return signed_pdf_response(request, self.convention, signed_filename(self.convention),
                                   base_template=PORTAL_BASE)


class ExecutoryConventionPdfView(MemberConventionMixin, View):
    """Download the signed agreement stamped with its receipt at the legality control."""

    def get(self, request, *args, **kwargs):
        if not has_executory_copy(self.convention):
            raise Http404("La réception de cette convention au contrôle de légalité n'est pas enregistrée.")
        return executory_pdf_response(request, self.convention, base_template=PORTAL_BASE)


class SignedAmendmentPdfView(MemberConventionMixin, View):
    """Download one signed amendment of the agreement."""

    def get(self, request, *args, **kwargs):
        amendment = get_object_or_404(amendments_for_portal(self.convention), pk=kwargs["amendment_pk"])
        if not has_signed_pdf(amendment):
            raise Http404("Cet avenant n'est pas encore signé.")
        amendment.convention = self.convention
        return signed_pdf_response(request, amendment, signed_filename(amendment), base_template=PORTAL_BASE)


class SignedDocumentsView(MemberConventionMixin, TemplateView):
    """List the agreement's signed documents the member can download."""

    template_name = "conventions/portal/convention_signed_documents.html"

    def get_context_data(self, **kwargs):
        signed = self.convention.is_signed and has_signed_pdf(self.convention)
        amendments = list(amendments_for_portal(self.convention)) if signed else []
        return super().get_context_data(
            signed_pdf=signed, amendments=amendments, executory_copy=has_executory_copy(self.convention),
            legality=legality_summary(self.convention, signed=self.convention.is_signed),
            years=yearly_schedule(self.convention), **kwargs)


class ConventionDetailView(MemberConventionMixin, TemplateView):
    """The agreement's page: what it is, its pages, and for a multi-year agreement each year's
    amount, vote, budgets, payments, indicator report and documents (``dossier.portal_years``)."""

    template_name = "dossier/portal/convention_detail.html"

    def get_context_data(self, **kwargs):
        years = agreement_years(self.convention)
        total = total_shown(row.line.amount for row in years) if years else None
        unread = unread_count(self.convention, reader_side=Side.ASSOCIATION)
        return super().get_context_data(years=years, years_total=total, timeline=agreement_timeline(self.convention),
                                        contact=agreement_contact(self.convention), unread_messages=unread, **kwargs)


class HomeView(CurrentBeneficiaryMixin, TemplateView):
    """Show the current association's agreements and what is expected next, overdue first."""

    template_name = "beneficiaries/portal/home.html"

    def get_context_data(self, **kwargs):
        conventions, items = [], []
        if self.beneficiary is not None:
            conventions = list(
                Convention.objects.filter(beneficiary=self.beneficiary).select_related("funder")
                .with_amount_in_force().order_by("-fiscal_year", "reference")
            )
            items = expected_items(self.beneficiary)
        return super().get_context_data(beneficiary=self.beneficiary, conventions=conventions, items=items, **kwargs)


class RenewalBudgetCopyView(BudgetMixin, TemplateView):
    """« Reprendre le budget de l'an dernier »: a confirmation page (GET) saying what will be copied;
    its « Confirmer » (POST) copies last year's forecast lines into the empty draft (``renewal_budget_copy``)."""

    template_name = "dossier/portal/renewal_budget_copy.html"

    def get(self, request, *args, **kwargs):
        source = previous_forecast(self.convention, self.year)
        if source is None:
            messages.error(request, _("Il n'y a pas de budget prévisionnel de l'année précédente à reprendre pour "
                                      "cette convention."))
            return redirect(self.form_url())
        return self.render_to_response(self.get_context_data(
            source=source, source_year=source.year or source.convention.fiscal_year, lines=source.lines.count(),
            form_url=self.form_url()))

    def post(self, request, *args, **kwargs):
        if request.POST.get("confirm") != "1":  # nothing is copied without the page's « Confirmer »
            return redirect(request.path + self.year_params())
        try:
            renewal_budget_copy(convention=self.convention, user=request.user, year=self.year)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Les lignes du budget prévisionnel de l'année précédente sont copiées dans "
                                        "votre brouillon : mettez-les à jour pour cette année, puis déposez-le."))
        return redirect(self.form_url())


class AccessibilityStatementView(TemplateView):
    """« Déclaration d'accessibilité »: public, linked from every footer (``dossier.accessibility``)."""

    template_name = "dossier/portal/accessibility.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            publisher=statement_publisher(), audited_on=accessibility.AUDITED_ON,
            conformity=accessibility.CONFORMITY, tool=accessibility.TOOL, audited_pages=accessibility.AUDITED_PAGES,
            non_conformities=accessibility.NON_CONFORMITIES, not_subject=accessibility.NOT_SUBJECT, **kwargs)
