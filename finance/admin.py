"""The finance space in the admin: payment requests to process, their PDFs and CSV, recoveries."""

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from beneficiaries.naming import list_name
from core.admin_base import DomainAdmin
from core.money import format_euros
from core.pdf import pdf_filename, pdf_response
from finance.exports import (
    payment_request_filename,
    payment_requests_csv,
    payment_requests_pdf,
    recovery_notice_pdf,
)
from finance.jobs import payment_requests_pdf_start
from finance.models import PaymentRequest, PaymentStatus, Recovery
from finance.rules import remaining_after_request, request_schedules_for
from finance.services import payment_request_take_step
from finance.steps import (
    APPROVE_AS_FINANCE,
    MARK_PAID,
    REJECT,
    STEPS_BY_SLUG,
    conflict_refusal,
    may_take_step,
    step_choices,
)


class WaitingForFilter(admin.SimpleListFilter):
    title = _("file d'attente")
    parameter_name = "a_traiter"

    def lookups(self, request, model_admin):
        return [("instructeur", _("le service instructeur")), ("finances", _("les finances"))]

    def queryset(self, request, queryset):
        if self.value() == "instructeur":
            return queryset.filter(status=PaymentStatus.SUBMITTED)
        if self.value() == "finances":
            return queryset.filter(status__in=[PaymentStatus.STAFF_APPROVED, PaymentStatus.FINANCE_APPROVED])
        return queryset


class FinanceApprovalForm(forms.Form):
    commitment_number = forms.CharField(label=_("Numéro d'engagement"), max_length=50)
    budget_imputation = forms.CharField(label=_("Imputation budgétaire"), max_length=100)


class PaymentOrderForm(forms.Form):
    payment_order_number = forms.CharField(label=_("Numéro de mandat"), max_length=50)
    paid_on = forms.DateField(label=_("Date du mandat"), initial=date.today, help_text=_("JJ/MM/AAAA"))


class RejectionForm(forms.Form):
    reason = forms.CharField(label=_("Motif du rejet (communiqué à l'association)"), widget=forms.Textarea(attrs={"rows": 3}))


#: The form each step asks for (the steps themselves are data in ``finance.steps``).
STEP_FORMS = {
    APPROVE_AS_FINANCE: FinanceApprovalForm,
    MARK_PAID: PaymentOrderForm,
    REJECT: RejectionForm,
}


@admin.register(PaymentRequest)
class PaymentRequestAdmin(DomainAdmin):
    list_display = ["reference", "beneficiary", "kind", "amount_display", "remaining_after_display", "status",
                    "certified_on", "commitment_number", "payment_order_number", "paid_on"]
    list_filter = [WaitingForFilter, "status", "kind", "convention__fiscal_year", "convention__funder"]
    search_fields = ["convention__reference", "convention__beneficiary__name", "convention__beneficiary__siret",
                     "commitment_number", "payment_order_number"]
    list_select_related = ["convention__beneficiary", "tranche"]
    actions = ["download_pdf", "download_csv"]
    readonly_fields = [
        "convention", "kind", "amount", "status", "certified_by_name", "certified_by_quality", "certified_on",
        "submitted_by", "commitment_number", "budget_imputation", "payment_order_number", "paid_on",
        "rejection_reason", "created_at", "updated_at",
    ]
    fields = readonly_fields
    change_form_template = "admin/finance/paymentrequest/change_form.html"

    class Media:
        css = {"all": ["css/admin.css"]}

    def has_add_permission(self, request):
        return False  # The association requests a payment; its amount is computed, never typed.

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Convention"), ordering="convention__reference")
    def reference(self, obj):
        return obj.convention.reference

    @admin.display(description=_("Association"), ordering="convention__beneficiary__name")
    def beneficiary(self, obj):
        return list_name(obj.convention.beneficiary)

    @admin.display(description=_("Montant"), ordering="amount")
    def amount_display(self, obj):
        return format_euros(obj.amount)

    def get_changelist_instance(self, request):
        """Read the schedules of the listed agreements at once: the « reste à verser » column calls the rule."""
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        schedules = request_schedules_for(rows) if rows else {}
        for row in rows:
            row.schedule = schedules[row.pk]
        return changelist

    @admin.display(description=_("Reste à verser après cette demande"))
    def remaining_after_display(self, obj):
        return format_euros(remaining_after_request(obj, getattr(obj, "schedule", None)))

    @admin.action(description=_("Télécharger le PDF des demandes sélectionnées"))
    def download_pdf(self, request, queryset):
        """Made in the background (a deliberation's worth of requests takes minutes): the job's page
        follows it and gives the file (jobs)."""
        job = payment_requests_pdf_start(queryset=queryset, user=request.user)
        return redirect(reverse("jobs:detail", args=[job.pk]))

    @admin.action(description=_("Exporter les demandes sélectionnées en CSV (comptabilité)"))
    def download_csv(self, request, queryset):
        response = HttpResponse(payment_requests_csv(queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="demandes-de-versement.csv"'
        return response

    def get_urls(self):
        return [
            path("<path:object_id>/pdf/", self.admin_site.admin_view(self.pdf_view), name="finance_paymentrequest_pdf"),
            path("<path:object_id>/etape/<str:step>/", self.admin_site.admin_view(self.step_view),
                 name="finance_paymentrequest_step"),
        ] + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            choices = step_choices(request.user, obj)
            # A step the user may take is a button; one their duties forbid is shown with the reason.
            context["payment_steps"] = [
                (step.label, reverse("admin:finance_paymentrequest_step", args=[obj.pk, step.slug]))
                for step, refusal in choices if refusal is None
            ]
            context["blocked_payment_steps"] = [(step.label, refusal) for step, refusal in choices if refusal]
            context["pdf_url"] = reverse("admin:finance_paymentrequest_pdf", args=[obj.pk])
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def pdf_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        return pdf_response(payment_requests_pdf([obj]), payment_request_filename(obj))

    def step_view(self, request, object_id, step):
        obj = self.get_object(request, unquote(object_id))
        definition = STEPS_BY_SLUG.get(step)
        if obj is None or definition is None or not self.has_view_permission(request, obj):
            raise Http404
        if not may_take_step(request.user, definition):
            raise PermissionDenied  # the entry point refuses too; here the form is not even shown
        change_url = reverse("admin:finance_paymentrequest_change", args=[obj.pk])
        if definition.independent and (refusal := conflict_refusal(request.user, obj)):
            messages.error(request, refusal)  # the entry point refuses too; no form to fill in vain
            return redirect(change_url)
        form_class = STEP_FORMS.get(definition.name)
        form = form_class(request.POST or None) if form_class else None
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                payment_request_take_step(request=obj, step=definition.name, user=request.user,
                                          **(form.cleaned_data if form else {}))
            except ValidationError as error:
                if form is None:
                    for message in error.messages:
                        messages.error(request, message)
                    return redirect(change_url)
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("« %(step)s » : fait.") % {"step": definition.label})
                return redirect(change_url)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": obj,
                   "title": definition.label, "form": form, "change_url": change_url,
                   "amount": format_euros(obj.amount)}
        return TemplateResponse(request, "admin/finance/paymentrequest/step.html", context)


@admin.register(Recovery)
class RecoveryAdmin(DomainAdmin):
    """Recoveries are issued by ``finance.services`` (overpayment, termination), their amount computed by
    ``finance.rules``; finance records here only the revenue order's number and the date the money came back."""

    list_display = ["convention", "amount", "issued_on", "revenue_order_number", "recovered_on"]
    search_fields = ["convention__reference", "convention__beneficiary__name"]
    list_select_related = ["convention__beneficiary"]
    fields = ["convention", "amount", "reason", "issued_on", "revenue_order_number", "recovered_on"]
    readonly_fields = ["convention", "amount", "reason", "issued_on"]
    change_form_template = "admin/finance/recovery/change_form.html"

    def has_add_permission(self, request):
        return False  # issued by the services from the rules, never typed

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path("<path:object_id>/avis/", self.admin_site.admin_view(self.notice_view), name="finance_recovery_notice"),
        ] + super().get_urls()

    def notice_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_view_permission(request, obj):
            raise Http404
        return pdf_response(recovery_notice_pdf(obj), pdf_filename("avis-de-reversement", obj.convention.reference))
