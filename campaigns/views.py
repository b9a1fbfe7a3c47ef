"""Portal pages of applications (/portail/candidatures/): open campaigns, the application, its budget,
its submission and its versions.

Every page that takes an application's identifier loads it through ``member_application_or_404``
(another association's application answers 404). Writes go through ``campaigns.services``; the
pages follow post / redirect / get.
"""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from beneficiaries.portal import SESSION_KEY, CurrentBeneficiaryMixin
from budgets.forms import LineFormSet, budget_rows
from budgets.rules import BudgetReport, budget_report
from budgets.services import budget_save_lines, stale_version_error
from campaigns.forms import ApplicationDocumentForm, ApplicationForm, ResubmitForm
from campaigns.models import Application, ApplicationStatus, Campaign, VersionKind
from campaigns.rules import application_document_slots
from campaigns.services import (
    CONTENT_FIELDS,
    application_create,
    application_document_upload,
    application_resubmit,
    application_submit,
    application_update,
    campaign_closed_reason,
    submission_missing,
)
from documents.services import format_size, max_upload_bytes
from documents.views import stored_file_response


def member_application_or_404(user, pk) -> Application:
    """Return application ``pk`` if ``user`` is an active member of its association, else raise 404."""
    return get_object_or_404(
        Application.objects.for_member(user).select_related("campaign__programme__funder", "beneficiary", "budget"),
        pk=pk)


def open_campaigns(today=None):
    today = today or timezone.localdate()
    return Campaign.objects.filter(opens_on__lte=today, closes_on__gte=today).select_related("programme__funder")


class MemberApplicationMixin(LoginRequiredMixin):
    """Load ``self.application`` from the URL's ``pk``, for members of its association only."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.application = member_application_or_404(request.user, kwargs["pk"])
            request.portal_beneficiary_id = self.application.beneficiary_id
            request.__dict__.pop("_portal_header", None)
            if request.session.get(SESSION_KEY) not in (None, self.application.beneficiary_id):
                request.session[SESSION_KEY] = self.application.beneficiary_id
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, beneficiary=self.application.beneficiary,
                                        campaign=self.application.campaign, **kwargs)

    def detail_url(self, anchor=""):
        return reverse("portal_campaigns:application", args=[self.application.pk]) + anchor


def _errors(form, exc: ValidationError) -> None:
    """Put the service's refusal on the form: on its field when it names one, else at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class ApplicationListView(CurrentBeneficiaryMixin, TemplateView):
    """The open campaigns and the association's applications."""

    template_name = "campaigns/portal/application_list.html"

    def get_context_data(self, **kwargs):
        applications = []
        if self.beneficiary is not None:
            applications = (Application.objects.filter(beneficiary=self.beneficiary)
                            .select_related("campaign").order_by("-campaign__year", "action_title"))
        return super().get_context_data(beneficiary=self.beneficiary, campaigns=open_campaigns(),
                                        applications=applications, **kwargs)


class ApplicationCreateView(CurrentBeneficiaryMixin, TemplateView):
    """Apply to an open campaign (``?campagne=<id>``; campaigns are public): the action and the amount."""

    template_name = "campaigns/portal/application_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        pk = request.GET.get("campagne", "")
        if not pk.isdigit():
            raise Http404
        self.campaign = get_object_or_404(Campaign.objects.select_related("programme__funder"), pk=int(pk))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ApplicationForm())
        return super().get_context_data(campaign=self.campaign, beneficiary=self.beneficiary,
                                        closed=campaign_closed_reason(self.campaign), **kwargs)

    def post(self, request, *args, **kwargs):
        if self.beneficiary is None:
            raise Http404
        form = ApplicationForm(request.POST)
        if form.is_valid():
            try:
                application = application_create(campaign=self.campaign, beneficiary=self.beneficiary,
                                                  user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Votre candidature est enregistrée en brouillon. Saisissez maintenant "
                                            "le budget de l'action, puis déposez-la."))
                return redirect(reverse("portal_campaigns:budget", args=[application.pk]))
        return self.render_to_response(self.get_context_data(form=form))


class ApplicationDetailView(MemberApplicationMixin, TemplateView):
    """The application: identity, action, budget totals, state, versions and what to do next."""

    template_name = "campaigns/portal/application_detail.html"

    def get_context_data(self, **kwargs):
        application = self.application
        report = budget_report(application.budget) if application.budget_id else BudgetReport.empty()
        versions = list(application.versions.select_related("by").order_by("number"))
        last_request = next((v for v in reversed(versions) if v.kind == VersionKind.CHANGES_REQUESTED), None)
        return super().get_context_data(
            report=report, versions=versions, last_request=last_request,
            missing=submission_missing(application) if application.is_editable else [], **kwargs)


class ApplicationEditView(MemberApplicationMixin, TemplateView):
    """Change the action and the amount requested, while a draft or returned for changes."""

    template_name = "campaigns/portal/application_form.html"

    def get_context_data(self, **kwargs):
        if "form" not in kwargs:
            kwargs["form"] = ApplicationForm(initial={name: getattr(self.application, name) for name in CONTENT_FIELDS})
        return super().get_context_data(editing=True, **kwargs)

    def post(self, request, *args, **kwargs):
        form = ApplicationForm(request.POST)
        if form.is_valid():
            try:
                application_update(application=self.application, user=request.user,
                                   expected_version=_int(request.POST.get("version")) or -1, **form.cleaned_data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("Candidature enregistrée."))
                return redirect(self.detail_url())
        return self.render_to_response(self.get_context_data(form=form))


class ApplicationBudgetView(MemberApplicationMixin, TemplateView):
    """The forecast budget of the action, on the Cerfa chart (the budgets app's form and rules)."""

    template_name = "campaigns/portal/application_budget.html"

    def formset(self, data=None):
        lines = list(self.application.budget.lines.in_chart_order())
        return LineFormSet(data, rows=budget_rows(lines=lines, is_actual=False), is_actual=False, prefix="l")

    def get_context_data(self, **kwargs):
        budget = self.application.budget
        kwargs.setdefault("formset", self.formset())
        return super().get_context_data(budget=budget, report=budget_report(budget),
                                        editable=self.application.is_editable, **kwargs)

    def post(self, request, *args, **kwargs):
        if not self.application.is_editable:
            return self.render_to_response(self.get_context_data(errors=[
                _("Cette candidature est %(status)s : son budget ne peut plus être modifié.")
                % {"status": self.application.get_status_display()}]))
        formset = self.formset(data=request.POST)
        if not formset.is_valid():
            return self.render_to_response(self.get_context_data(formset=formset, invalid=True))
        seen = _int(request.POST.get("version"))
        if seen is None:
            return self.render_to_response(self.get_context_data(formset=formset,
                                                                 errors=stale_version_error().messages))
        try:
            budget_save_lines(budget=self.application.budget, lines=formset.line_inputs(), user=request.user,
                              expected_version=seen)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(formset=formset, errors=exc.messages))
        if request.POST.get("action") == "recalculate":
            messages.info(request, _("Budget enregistré, totaux recalculés."))
            return redirect(reverse("portal_campaigns:budget", args=[self.application.pk]) + "#totaux")
        messages.success(request, _("Budget de l'action enregistré."))
        return redirect(self.detail_url())


class ApplicationSubmitView(MemberApplicationMixin, TemplateView):
    """The confirmation page before submitting (or resubmitting after a request for changes)."""

    template_name = "campaigns/portal/application_submit.html"

    def get_context_data(self, **kwargs):
        application = self.application
        resubmit = application.status == ApplicationStatus.CHANGES_REQUESTED
        kwargs.setdefault("form", ResubmitForm())
        return super().get_context_data(
            resubmit=resubmit, missing=submission_missing(application) if application.is_editable else [],
            closed=None if resubmit else campaign_closed_reason(application.campaign),
            report=budget_report(application.budget) if application.budget_id else BudgetReport.empty(), **kwargs)

    def post(self, request, *args, **kwargs):
        form = ResubmitForm(request.POST)
        form.is_valid()
        version = _int(request.POST.get("version")) or -1
        try:
            if self.application.status == ApplicationStatus.CHANGES_REQUESTED:
                application_resubmit(application=self.application, user=request.user, expected_version=version,
                                     message=form.cleaned_data.get("message", ""))
            else:
                application_submit(application=self.application, user=request.user, expected_version=version)
        except ValidationError as exc:
            _errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(request, _("Votre candidature est déposée. Le service instructeur va l'examiner ; "
                                    "vous serez prévenu par courriel s'il demande des compléments."))
        return redirect(self.detail_url())


class ApplicationVersionView(MemberApplicationMixin, TemplateView):
    """One submitted version of the application, as it was submitted."""

    template_name = "campaigns/portal/application_version.html"

    def get_context_data(self, **kwargs):
        version = get_object_or_404(self.application.versions.select_related("by"), number=kwargs["number"],
                                    kind=VersionKind.SUBMISSION)
        snapshot = dict(version.snapshot)
        for name in ("action_start", "action_end"):
            snapshot[name] = date.fromisoformat(snapshot[name]) if snapshot.get(name) else None
        snapshot["requested_amount"] = _decimal(snapshot.get("requested_amount"))
        snapshot["budget_lines"] = [{**line, "amount": _decimal(line.get("amount"))}
                                    for line in snapshot.get("budget_lines", [])]
        return super().get_context_data(version=version, snapshot=snapshot, **kwargs)


def application_document_response(document) -> FileResponse:
    """Send an application's document as a download, never rendered by the browser."""
    return stored_file_response(document, name=str(document.application_id))


class ApplicationDocumentsView(MemberApplicationMixin, TemplateView):
    """The documents to attach: one slot per kind; one already given and still valid is not asked again."""

    template_name = "campaigns/portal/application_documents.html"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ApplicationDocumentForm())
        return super().get_context_data(
            slots=application_document_slots(self.application, today=timezone.localdate()),
            editable=self.application.is_editable, limit=format_size(max_upload_bytes()), **kwargs)

    def post(self, request, *args, **kwargs):
        form = ApplicationDocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                application_document_upload(application=self.application, kind=form.cleaned_data["kind"],
                                            uploaded=form.cleaned_data["file"], user=request.user)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("La pièce est jointe à la candidature."))
                return redirect(reverse("portal_campaigns:documents", args=[self.application.pk]))
        return self.render_to_response(self.get_context_data(form=form))


class ApplicationDocumentFileView(MemberApplicationMixin, View):
    def get(self, request, *args, **kwargs):
        document = get_object_or_404(self.application.documents.all(), pk=kwargs["document_pk"])
        return application_document_response(document)


def _decimal(value):
    return None if value in (None, "") else Decimal(value)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
