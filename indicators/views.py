"""The association's indicator pages in the portal: the yearly form, its history and charts."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from conventions.access import MemberConventionMixin
from indicators.charts import report_charts
from indicators.forms import IndicatorReportForm
from indicators.models import IndicatorReport
from indicators.selectors import current_figures, previous_year_figures, report_history
from indicators.services import indicator_report_save, indicator_report_submit


class ReportListView(MemberConventionMixin, TemplateView):
    """List the yearly indicator reports of one agreement."""

    template_name = "indicators/indicatorreport_portal_list.html"

    def get_context_data(self, **kwargs):
        reports = self.convention.indicator_reports.yearly().select_related("indicator_set").order_by("-year")
        return super().get_context_data(reports=reports, **kwargs)


class ReportMixin(MemberConventionMixin):
    """The agreement's yearly indicator report of the URL's year (404 when there is none)."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.report = None

    def _load(self):
        if self.report is None:
            self.report = (
                IndicatorReport.objects.for_year(self.kwargs["year"]).filter(convention=self.convention)
                .select_related("indicator_set", "convention__beneficiary").first()
            )
            if self.report is None:
                raise Http404(_("Aucun rapport d'indicateurs pour cette année."))
            self.definitions = list(self.report.indicator_set.definitions.all())
            self.history = report_history(self.report)
        return self.report


class ReportFormView(ReportMixin, FormView):
    """Fill in, save and submit the year's indicators; read-only once submitted, until returned.

    « Transmettre » saves the figures (checked as for a submission) and leads to the
    confirmation page (``SubmitConfirmView``); only its « Confirmer » submits.
    """

    template_name = "indicators/indicatorreport_portal_form.html"
    form_class = IndicatorReportForm

    def get_form_kwargs(self):
        self._load()
        return {
            **super().get_form_kwargs(), "definitions": self.definitions,
            "figures": current_figures(self.history), "previous": previous_year_figures(self.report, self.history),
            "submitting": "submit" in self.request.POST,
        }

    def post(self, request, *args, **kwargs):
        report = self._load()
        if not report.is_editable:
            messages.error(request, _("Ce rapport a déjà été transmis : il ne peut plus être modifié, "
                                      "sauf s'il vous est renvoyé pour correction."))
            return redirect(request.path)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        submitting = "submit" in self.request.POST
        try:
            indicator_report_save(report=self.report, figures=form.figures(), by=self.request.user)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        if submitting:  # the figures are saved; the submission waits for the confirmation page
            return redirect(reverse("portal_indicators:report_submit", args=[self.convention.pk, self.kwargs["year"]]))
        messages.success(self.request, _("Vos chiffres sont enregistrés. Vous pourrez les compléter avant de "
                                         "transmettre le rapport."))
        return redirect(self.request.path)

    def get_context_data(self, **kwargs):
        report = self._load()
        return super().get_context_data(
            report=report, charts=report_charts(self.definitions, self.history),
            last_submission=report.submissions.order_by("-number").first(), **kwargs,
        )


class SubmitConfirmView(ReportMixin, TemplateView):
    """The confirmation page of the submission: says what will happen; only « Confirmer » submits
    the figures saved by the form (checked again by ``indicator_report_submit``)."""

    template_name = "indicators/indicatorreport_portal_submit_confirm.html"

    def form_url(self) -> str:
        return reverse("portal_indicators:report_form", args=[self.convention.pk, self.kwargs["year"]])

    def get(self, request, *args, **kwargs):
        report = self._load()
        if not report.is_editable:
            return redirect(self.form_url())
        return self.render_to_response(self.get_context_data(report=report, form_url=self.form_url()))

    def post(self, request, *args, **kwargs):
        report = self._load()
        if not report.is_editable:
            return redirect(self.form_url())
        if request.POST.get("confirm") != "1":  # nothing is submitted without the page's « Confirmer »
            return redirect(request.path)
        try:
            indicator_report_submit(report=report, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect(self.form_url())
        messages.success(request, _("Votre rapport a été transmis à %(funder)s. Merci !") % {
            "funder": report.convention.funder.short_name})
        return redirect(self.form_url())
