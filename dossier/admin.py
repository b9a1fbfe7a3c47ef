from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from beneficiaries.naming import list_name
from budgets.models import Budget
from budgets.rules import balance_message, budget_totals, totals_from_annotations
from budgets.selectors import conventions_for_list
from compliance.admin import ComplianceAdminMixin
from conventions.amounts import effective_amount, funder_shares
from conventions.deliberation import deliberation_missing, deliberation_text
from conventions.legality import legality_summary
from conventions.models import (
    Amendment,
    Convention,
    FinancialRulesVersion,
    Funder,
    Kind,
    Notification,
    StatusChange,
)
from core.admin_base import DomainAdmin, DomainTabularInline, OptimisticLockAdminMixin, year_column
from core.admin_history import ChildHistory
from core.money import format_euros, format_percent
from documents.admin import DocumentInline
from dossier.actions import amendment_sign
from dossier.admin_guided import GuidedStepsAdminMixin
from dossier.admin_lifecycle import LifecycleAdminMixin
from dossier.admin_pdf import (
    AmendmentInlineForm,
    AmendmentPdfAdminMixin,
    ConventionClauseInline,
    ConventionPdfAdminMixin,
)
from dossier.admin_renewal import RenewalAdminMixin
from dossier.admin_tranches import TrancheAdminMixin, TrancheInline
from finance.models import PaymentRequest
from indicators.admin import review_link
from indicators.models import IndicatorReport
from messaging.admin import ConventionMessagesAdminMixin


class FinancialRulesVersionInline(DomainTabularInline):
    """The funder's financial rules by date: each agreement cites the version in force at its vote."""

    model = FinancialRulesVersion
    extra = 0
    fields = ["reference", "valid_from", "valid_until"]


@admin.register(Funder)
class FunderAdmin(DomainAdmin):
    list_display = ["name", "siret", "city", "advance_cap_percent"]
    search_fields = ["name", "siret"]
    inlines = [FinancialRulesVersionInline]
    history_children = [
        ChildHistory("conventions.FinancialRulesVersion", "funder", _("Versions du règlement financier"),
                     label=lambda record: record.history_object.reference),
    ]
    fieldsets = [
        (_("Identité"), {"fields": ["name", "short_name", "legal_form", "siret", "address", "postal_code", "city", "logo"]}),
        (_("Représentant et signature"), {"fields": ["representative_title", "representative_name", "signature_place"]}),
        (_("Règles financières"), {"fields": ["financial_rules_reference", "advance_cap_percent", "variance_threshold_percent", "budget_imputation"]}),
        (_("Recours"), {"fields": ["court_name", "court_address"]}),
        (_("Service instructeur (contact des associations sur le portail)"),
         {"fields": ["service_name", "service_address", "service_phone", "email"]}),
        (_("Autres contacts"), {"fields": ["finance_email"]}),
    ]


class AgreementRowsInline(DomainTabularInline):
    """An inline of the agreement's page whose rows name their agreement: read it with the rows.

    Without it each row's title (``__str__``) costs one query (bench/RESULTS.md).
    """

    row_select_related = ("convention",)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.row_select_related)


class BudgetInline(AgreementRowsInline):
    model = Budget
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["kind", "year", "scope", "status", "totals", "compare"]
    readonly_fields = ["kind", "year", "scope", "status", "totals", "compare"]
    verbose_name_plural = _("Budgets (le détail des lignes s'ouvre par « Modifier »)")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Totaux"))
    def totals(self, budget):
        totals = budget_totals(budget)
        return format_html(
            "Charges {} · Produits {} · Écart {}",
            format_euros(totals.charges), totals.products_shown(), format_euros(totals.gap),
        )

    @admin.display(description=_("Comparaison"))
    def compare(self, budget):
        url = reverse("admin:budgets_budget_compare", args=[budget.convention_id])
        return format_html('<a href="{}">{}</a>', url, _("Prévisionnel / réalisé côte à côte"))


class IndicatorReportInline(AgreementRowsInline):
    model = IndicatorReport
    row_select_related = ("convention", "indicator_set")
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["year", "period_label", "indicator_set", "status", "due_on", "review"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("examen"))
    def review(self, report):
        return review_link(report)


class AmendmentInline(AgreementRowsInline):
    model = Amendment
    form = AmendmentInlineForm
    extra = 0
    show_change_link = True
    fields = ["number", "subject", "amount_change", "status"]  # the year (``tranche``): on the amendment's page
    readonly_fields = ["status"]


class StatusChangeInline(DomainTabularInline):
    model = StatusChange
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "by", "comment"]
    readonly_fields = fields
    verbose_name_plural = _("Historique des états")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


class PaymentRequestInline(AgreementRowsInline):
    model = PaymentRequest
    row_select_related = ("convention", "tranche")
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["kind", "tranche", "amount", "status", "certified_on", "payment_order_number", "paid_on"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class NotificationInline(DomainTabularInline):
    model = Notification
    extra = 0
    can_delete = False
    fields = ["sent_at", "subject", "recipients"]
    readonly_fields = fields
    verbose_name_plural = _("Courriels envoyés")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Convention)
class ConventionAdmin(TrancheAdminMixin, ConventionPdfAdminMixin, OptimisticLockAdminMixin, LifecycleAdminMixin,
                      GuidedStepsAdminMixin, RenewalAdminMixin, ConventionMessagesAdminMixin, ComplianceAdminMixin,
                      DomainAdmin):
    list_display = [
        "reference", "association", year_column(Convention, "fiscal_year"), "kind_short", "status", "granted",
        "total_charges", "total_products", "share", "share_with_in_kind",
    ]
    list_filter = ["fiscal_year", "status", "funder", "kind"]
    search_fields = ["reference", "beneficiary__name", "beneficiary__acronym", "beneficiary__siret"]
    list_select_related = ["beneficiary", "funder"]
    autocomplete_fields = ["beneficiary"]
    inlines = [
        TrancheInline, BudgetInline, AmendmentInline, PaymentRequestInline, DocumentInline, IndicatorReportInline, StatusChangeInline,
        NotificationInline, ConventionClauseInline,
    ]
    # Budgets, amendments, payment requests, documents and reports have their own history page;
    # the lifecycle is listed on the agreement's page (« Historique des états »).
    history_children = [
        ChildHistory("conventions.ConventionClause", "convention", _("Articles de la convention (texte adapté)"),
                     label=lambda record: record.history_object.heading),
        ChildHistory("conventions.Tranche", "convention", _("Tranches annuelles"),
                     label=lambda record: str(record.history_object.year)),
    ]
    readonly_fields = ["status", "signed_pdf", "signed_pdf_sha256", "budget_summary", "deliberation_state",
                       "enforceability", "renewal_links", "created_at", "updated_at"]
    fieldsets = [
        (_("Convention"), {"fields": ["reference", "status", "kind", "is_multiannual", "funder", "beneficiary", "fiscal_year", ("period_start", "period_end"), "title", "action_title", "instructing_agent"]}),
        (_("Document imprimé"), {"fields": ["document_title", "document_number"]}),
        (_("Montant et versement"), {"fields": ["amount_granted", "amount_is_maximum", "eligible_base", "advance_cap_percent", "budget_summary"]}),
        (_("Délibération"), {"fields": ["deliberation_body", "deliberation_number", "deliberation_date", ("deliberation_year", "deliberation_month"), "deliberation_state"]}),
        (_("Texte"), {"classes": ["collapse"], "fields": ["preamble", "objectives", "programme_summary", "action_programme", "non_financial_contributions"]}),
        (_("Signataires et signatures"), {"fields": [("beneficiary_signatory", "beneficiary_signatory_title", "beneficiary_signed_on"), ("funder_signatory", "funder_signatory_title", "funder_signed_on"), "funder_signatory_delegation", "notified_on", "signed_pdf", "signed_pdf_sha256"]}),
        (_("Contrôle de légalité"), {"fields": [("legality_transmitted_on", "legality_received_on"), "enforceability"]}),
        (_("Reprise de l'existant (valeurs imprimées, contrôlées)"), {"classes": ["collapse"], "fields": ["stated_share_percent", "stated_eligible_expenses", "stated_eligible_expenses_printed"]}),
        (_("Suivi"), {"fields": ["renewal_links", "created_at", "updated_at"]}),
    ]

    class Media:
        css = {"all": ["css/admin.css"]}

    def get_queryset(self, request):
        # Built once a request (the list and its year filter both ask): the budget-total
        # annotations take a few milliseconds to build.
        queryset = getattr(request, "_convention_list_queryset", None)
        if queryset is None:
            queryset = request._convention_list_queryset = conventions_for_list(super().get_queryset(request))
        return queryset.all()

    def _totals(self, obj):
        return totals_from_annotations(obj)

    @admin.display(description=_("Association"), ordering="beneficiary__name")
    def association(self, obj):
        return list_name(obj.beneficiary)

    @admin.display(description=_("Type"), ordering="kind")
    def kind_short(self, obj):
        return _("Global") if obj.kind == Kind.OPERATING else _("Spécifique")

    @admin.display(description=_("Montant attribué"), ordering="amount_in_force")
    def granted(self, obj):
        return format_euros(effective_amount(obj))

    @admin.display(description=_("Charges"), ordering="forecast_charges")
    def total_charges(self, obj):
        return format_euros(obj.forecast_charges)

    @admin.display(description=_("Produits"), ordering="forecast_products")
    def total_products(self, obj):
        return self._totals(obj).products_shown()

    @admin.display(description=_("Part hors nature"))
    def share(self, obj):
        return format_percent(funder_shares(obj, self._totals(obj)).excluding_in_kind)

    @admin.display(description=_("Part avec nature"))
    def share_with_in_kind(self, obj):
        return format_percent(funder_shares(obj, self._totals(obj)).including_in_kind)

    @admin.display(description=_("État de la délibération"))
    def deliberation_state(self, obj):
        missing = deliberation_missing(obj)
        if not missing:
            return _("Complète : %(text)s.") % {"text": deliberation_text(obj)} if obj.funder_id else _("Complète.")
        return _("Incomplète : il manque %(missing)s. Le vote sera refusé tant qu'elle n'est pas complète.") % {
            "missing": ", ".join(missing)}

    @admin.display(description=_("Caractère exécutoire"))
    def enforceability(self, obj):
        return legality_summary(obj, signed=obj.is_signed)

    @admin.display(description=_("Budget prévisionnel"))
    def budget_summary(self, obj):
        if obj.pk is None:
            return _("Enregistrez la convention, puis saisissez son budget.")
        totals = self._totals(obj)
        shares = funder_shares(obj, totals)
        granted = shares.amount
        rows = [
            (_("Total des charges (hors contributions en nature)"), format_euros(totals.charges)),
            (_("Total des produits (hors contributions en nature)"), totals.products_shown()),
            (_("Écart charges − produits"), format_euros(totals.gap)),
            (_("Contributions en nature : emplois (86) / ressources (87)"),
             f"{format_euros(totals.in_kind_charges)} / {format_euros(totals.in_kind_products)}"),
            (_("Part de la collectivité hors contributions en nature"), format_percent(shares.excluding_in_kind)),
            (_("Part de la collectivité avec contributions en nature"), format_percent(shares.including_in_kind)),
        ]
        if granted is not None and granted != obj.amount_granted:
            rows.insert(0, (_("Montant en vigueur (avenants signés compris)"), format_euros(granted)))
        table = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        warning = ""
        if not totals.is_balanced and totals.unknown_amounts and totals.can_balance:
            warning = format_html('<p class="errornote">{}</p>', balance_message(totals))
        elif not totals.is_balanced:
            warning = format_html('<p class="errornote">{}</p>', _("Budget déséquilibré : écart de %(gap)s.") % {"gap": format_euros(totals.gap)})
        return format_html('<table class="budget-summary">{}</table>{}', table, warning)


@admin.register(Amendment)
class AmendmentAdmin(AmendmentPdfAdminMixin, DomainAdmin):
    list_display = ["__str__", "subject", "amount_change", "status"]
    list_filter = ["status"]
    search_fields = ["convention__reference", "subject"]
    list_select_related = ["convention"]
    autocomplete_fields = ["convention"]

    def get_urls(self):
        return [
            path("<path:object_id>/signer/", self.admin_site.admin_view(self.sign_view), name="conventions_amendment_sign"),
            *super().get_urls(),
        ]

    def sign_view(self, request, object_id):
        """Record both signatures of the amendment (POST only): its PDF is frozen, its changes apply."""
        amendment = self.get_object(request, unquote(object_id))
        if amendment is None or request.method != "POST":
            raise Http404
        change_url = reverse("admin:conventions_amendment_change", args=[amendment.pk])
        try:
            amendment_sign(amendment=amendment, user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("L'avenant est signé : son PDF est figé et ses modifications s'appliquent."))
        return redirect(change_url)
