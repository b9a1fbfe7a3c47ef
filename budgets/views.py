"""Portal pages of the budgets: the association fills, imports and submits its budgets.

Every view loads the agreement through ``MemberConventionMixin`` (another association's
agreement answers 404) and the budget through that agreement only. Writes go through
``budgets.services``; the pages follow post / redirect / get, so « Recalculer » works
without JavaScript: it saves the draft and shows the totals computed by ``budgets.rules``.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from budgets import exports
from budgets.forms import ImportForm, LineFormSet, budget_rows
from budgets.models import Budget, BudgetKind
from budgets.rules import BudgetReport, budget_report, budget_variances
from budgets.selectors import previous_forecast
from budgets.services import (
    YEAR_PARAMETER,
    budget_create_actual,
    budget_editable_by_association,
    budget_get_or_create,
    budget_import,
    budget_save_lines,
    budget_submit,
    budget_year_asked,
    stale_version_error,
    submission_problems,
)
from conventions.access import MemberConventionMixin
from conventions.amounts import funder_shares, yearly_schedule

URL_NAMES = {BudgetKind.FORECAST: "portal_budgets:forecast", BudgetKind.ACTUAL: "portal_budgets:actual"}
CONFIRM_URL_NAMES = {BudgetKind.FORECAST: "portal_budgets:forecast_submit",
                     BudgetKind.ACTUAL: "portal_budgets:actual_submit"}
ACTIONS = {"recalculate", "save", "submit"}
REFUSED_FLAG = "depot"


class BudgetMixin(MemberConventionMixin):
    """The agreement's budget of ``kind``; for a multi-year agreement, that of the year ``?annee=``
    (by default its first year). A year that is not one of the agreement's answers 404."""

    kind = BudgetKind.FORECAST

    def dispatch(self, request, *args, **kwargs):
        self.kind = kwargs.get("kind", self.kind)
        return super().dispatch(request, *args, **kwargs)

    @property
    def year(self) -> int | None:
        if not hasattr(self, "_year"):
            self._year = self.requested_year()
        return self._year

    def requested_year(self) -> int | None:
        try:  # the services' rule: one of its tranches' years, none but its exercise for a one-year agreement
            return budget_year_asked(self.convention, self.request.GET.get(YEAR_PARAMETER))
        except ValidationError as error:
            raise Http404(error.messages[0]) from error

    def year_params(self, **extra) -> str:
        """Return the query string that keeps the year (« ?annee=2026 »), with ``extra`` parameters."""
        params = {YEAR_PARAMETER: self.year} if self.year is not None else {}
        params.update(extra)
        return f"?{urlencode(params)}" if params else ""

    def year_line(self):
        """Return the year's line of the schedule (its amount in force and its vote), or None."""
        if self.year is None:
            return None
        return next((line for line in yearly_schedule(self.convention).lines if line.year == self.year), None)

    def get_budget(self) -> Budget | None:
        budget = Budget.objects.filter(convention=self.convention, kind=self.kind, year=self.year).first()
        if budget is not None:
            budget.convention = self.convention  # loaded with its amount in force: no query more
        return budget

    def form_url(self, anchor: str = "", **extra) -> str:
        return reverse(URL_NAMES[self.kind], args=[self.convention.pk]) + self.year_params(**extra) + anchor

    def confirm_url(self) -> str:
        return reverse(CONFIRM_URL_NAMES[self.kind], args=[self.convention.pk]) + self.year_params()

    def refused_redirect(self):
        messages.warning(self.request, _("Le brouillon est enregistré, mais le budget ne peut pas encore être "
                                         "déposé : voyez les points à corriger."))
        return redirect(self.form_url("#erreurs", **{REFUSED_FLAG: "refuse"}))

    def get_context_data(self, **kwargs):
        kwargs.setdefault("year", self.year)
        kwargs.setdefault("year_query", self.year_params())
        return super().get_context_data(**kwargs)


class OverviewView(BudgetMixin, TemplateView):
    """Show the agreement's two budgets, their state and what to do next; a multi-year agreement's
    two budgets of each year, with that year's amount and vote."""

    template_name = "budgets/budget_portal_overview.html"

    def get_context_data(self, **kwargs):
        budgets = {(b.kind, b.year): b for b in Budget.objects.filter(convention=self.convention)}
        years = [
            {"line": line, "query": f"?{urlencode({YEAR_PARAMETER: line.year})}",
             "forecast": budgets.get((BudgetKind.FORECAST, line.year)),
             "actual": budgets.get((BudgetKind.ACTUAL, line.year))}
            for line in yearly_schedule(self.convention).lines
        ]
        return super().get_context_data(
            forecast=budgets.get((BudgetKind.FORECAST, None)), actual=budgets.get((BudgetKind.ACTUAL, None)),
            years=years, year=None, year_query="", **kwargs
        )


class BudgetFormView(BudgetMixin, TemplateView):
    """The Cerfa form of one budget: grouped by chapter, totals, save, recalculate, submit."""

    template_name = "budgets/budget_portal_form.html"

    def get(self, request, *args, **kwargs):
        budget = self.get_budget()
        if self.kind == BudgetKind.ACTUAL and budget is None:
            return self.render_to_response(self.get_context_data(budget=None, needs_creation=True, is_actual=True,
                                                                 year_line=self.year_line()))
        return self.render_to_response(self.page_context(budget, show_problems=REFUSED_FLAG in request.GET))

    def post(self, request, *args, **kwargs):
        budget = self.get_budget()
        if budget is None and self.kind == BudgetKind.ACTUAL:
            raise Http404
        action = request.POST.get("action")
        if action not in ACTIONS:
            action = "save"
        formset = self.formset(budget, data=request.POST)
        if not formset.is_valid():
            return self.render_to_response(self.page_context(budget, formset=formset, invalid=True))
        # The page carries the version it was opened at (0: no budget yet). A post without it
        # cannot be told from a stale one: it is refused the same way, what was typed kept.
        seen_version = _int(request.POST.get("version"))
        if seen_version is None or (budget is None and seen_version != 0):
            return self.render_to_response(self.page_context(budget, formset=formset,
                                                             errors=stale_version_error().messages))
        if budget is None:
            budget = budget_get_or_create(convention=self.convention, kind=BudgetKind.FORECAST, year=self.year)
            seen_version = budget.version
        try:
            budget = budget_save_lines(budget=budget, lines=formset.line_inputs(), user=request.user,
                                       expected_version=seen_version)
        except ValidationError as exc:
            return self.render_to_response(self.page_context(budget, formset=formset, errors=exc.messages))
        if action == "submit":  # the draft is saved; the deposit waits for the confirmation page
            if submission_problems(budget):
                return self.refused_redirect()
            return redirect(self.confirm_url())
        if action == "recalculate":
            messages.info(request, _("Brouillon enregistré, totaux recalculés."))
            return redirect(self.form_url("#totaux"))
        messages.success(request, _("Brouillon enregistré."))
        return redirect(self.form_url())

    def formset(self, budget, data=None, variances=None):
        is_actual = self.kind == BudgetKind.ACTUAL
        if is_actual and variances is None:
            variances = budget_variances(self.convention, year=self.year)
        lines = list(budget.lines.in_chart_order()) if budget else []
        rows = budget_rows(lines=lines, is_actual=is_actual, variances=variances)
        return LineFormSet(data, rows=rows, is_actual=is_actual, prefix="l")

    def page_context(self, budget, *, formset=None, invalid=False, errors=(), show_problems=False):
        is_actual = self.kind == BudgetKind.ACTUAL
        variances = budget_variances(self.convention, year=self.year) if is_actual else None
        report = budget_report(budget) if budget else BudgetReport.empty()
        # Once the agreement is signed, its forecast is annex I of what was signed (conventions.freeze);
        # a multi-year agreement annexes its first year's, each later year's is filed in its year.
        annexed = self.year is None or self.year == self.convention.fiscal_year
        frozen = self.kind == BudgetKind.FORECAST and self.convention.is_signed and annexed
        year_line = self.year_line()
        editable = budget_editable_by_association(budget) if budget is not None else not frozen
        problems = list(errors)
        if show_problems and budget is not None and editable:
            problems += submission_problems(budget)
        if formset is None:
            formset = self.formset(budget, variances=variances)
            if show_problems and is_actual:
                for form in formset.forms:
                    if form.spec.needs_explanation and not (form.initial.get("explanation") or "").strip():
                        form.explanation_error = _("Expliquez cet écart : il dépasse le seuil de %(threshold)s %%.") % {
                            "threshold": variances.threshold.normalize()}
        # « Reprendre le budget de l'an dernier »: offered while an editable forecast is empty.
        empty = not is_actual and editable and not any(form.spec.line for form in formset.forms)
        return self.get_context_data(
            copy_source=previous_forecast(self.convention, self.year) if empty else None,
            budget=budget, formset=formset, report=report, variances=variances, editable=editable,
            is_actual=is_actual, problems=problems, invalid=invalid, year_line=year_line, first_year=annexed,
            annex_frozen=not editable and not is_actual and annexed and self.convention.is_signed,
            share=funder_shares(self.convention, report.totals,
                                tranche=year_line.tranche if year_line else None).excluding_in_kind,
        )


class SubmitConfirmView(BudgetMixin, TemplateView):
    """The confirmation page of the deposit: says what will happen; only its « Confirmer » deposits.

    The form's « Déposer le budget » saves the draft and leads here. The page carries the
    version it was opened at: a budget changed since (another tab, a colleague) is refused.
    """

    template_name = "budgets/budget_portal_submit_confirm.html"

    def editable_budget(self) -> Budget | None:
        budget = self.get_budget()
        return budget if budget is not None and budget_editable_by_association(budget) else None

    def get(self, request, *args, **kwargs):
        budget = self.editable_budget()
        if budget is None:
            return redirect(self.form_url())
        if submission_problems(budget):
            return self.refused_redirect()
        kind_label = _("budget réalisé") if self.kind == BudgetKind.ACTUAL else _("budget prévisionnel")
        return self.render_to_response(self.get_context_data(
            budget=budget, report=budget_report(budget), form_url=self.form_url(), kind_label=kind_label,
            budget_year=budget.year or self.convention.fiscal_year))

    def post(self, request, *args, **kwargs):
        budget = self.editable_budget()
        if budget is None:
            return redirect(self.form_url())
        if request.POST.get("confirm") != "1":  # nothing is deposited without the page's « Confirmer »
            return redirect(self.confirm_url())
        seen_version = _int(request.POST.get("version"))
        try:  # a confirmation without the version it was opened at is refused as a stale one
            budget_submit(budget=budget, user=request.user, expected_version=-1 if seen_version is None else seen_version)
        except ValidationError as error:
            if submission_problems(budget):
                return self.refused_redirect()
            for message in error.messages:
                messages.error(request, message)
            return redirect(self.form_url())
        messages.success(request, _("Le budget est déposé. Le service instructeur va l'examiner ; il reste "
                                    "consultable ici."))
        return redirect(self.form_url())


class CreateActualView(BudgetMixin, View):
    """Create the actual budget from the forecast (POST only)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            budget_create_actual(convention=self.convention, user=request.user, year=self.year)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Le compte rendu financier est créé avec les lignes du budget prévisionnel : "
                                        "saisissez les montants réalisés."))
        return redirect(reverse("portal_budgets:actual", args=[self.convention.pk]) + self.year_params())


class ImportView(BudgetMixin, TemplateView):
    """Import a filled template (XLSX or CSV) into the budget; everything or nothing."""

    template_name = "budgets/budget_portal_import.html"

    def get_context_data(self, **kwargs):
        budget = self.get_budget()
        kwargs.setdefault("form", ImportForm.for_budget(budget))
        kwargs["kind"] = self.kind
        return super().get_context_data(budget=budget, form_url=self.form_url(), **kwargs)

    def post(self, request, *args, **kwargs):
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        budget = self.get_budget()
        # As on the budget's form: the page carries the version it was opened at (0: no budget
        # yet); a file sent without it cannot be told from a stale one, and is refused the same way.
        seen_version = form.cleaned_data["version"]
        if seen_version is None or (budget is None and seen_version != 0):
            return self.render_to_response(self.get_context_data(form=form, errors=stale_version_error().messages))
        if budget is None:
            if self.kind == BudgetKind.ACTUAL:
                raise Http404
            budget = budget_get_or_create(convention=self.convention, kind=BudgetKind.FORECAST, year=self.year)
            seen_version = budget.version
        try:
            summary = budget_import(budget=budget, uploaded_file=form.cleaned_data["file"], user=request.user,
                                    expected_version=seen_version)
        except ValidationError as exc:
            row_errors = getattr(exc, "row_errors", [])
            return self.render_to_response(self.get_context_data(
                form=form, row_errors=row_errors, errors=[] if row_errors else exc.messages))
        messages.success(request, _("Import réussi : %(lines)s lignes enregistrées en brouillon. Vérifiez les totaux, "
                                    "puis déposez le budget.") % {"lines": summary.lines})
        return redirect(self.form_url("#totaux"))


class TemplateDownloadView(MemberConventionMixin, View):
    def get(self, request, *args, **kwargs):
        return exports.download(exports.budget_template(exports.checked_format(kwargs["fmt"])))


class ExportView(BudgetMixin, View):
    def get(self, request, *args, **kwargs):
        budget = self.get_budget()
        if budget is None:
            raise Http404
        return exports.download(exports.export_budget(budget, exports.checked_format(kwargs["fmt"])))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
