"""The budget admin's own pages: review, import, exports and the forecast / actual comparison.

Each view receives the ``BudgetAdmin`` to check the agent's permissions the admin's way.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budgets import exports
from budgets.forms import ImportForm
from budgets.jobs import year_export_start
from budgets.models import Budget, BudgetKind
from budgets.rules import Variance, budget_variances
from budgets.services import (
    YEAR_PARAMETER,
    budget_import,
    budget_return,
    budget_validate,
    budget_year_asked,
    stale_version_error,
)
from conventions.models import Convention


class YearExportForm(forms.Form):
    annee = forms.IntegerField(label=gettext_lazy("Exercice"), min_value=2000, max_value=2100)
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[(exports.XLSX, "Excel (.xlsx)"),
                                                                      (exports.CSV, "CSV (.csv)")])






def _budget(model_admin, request, pk, *, change=False) -> Budget:
    budget = get_object_or_404(Budget.objects.select_related("convention__beneficiary", "convention__funder"), pk=pk)
    allowed = model_admin.has_change_permission(request, budget) if change else model_admin.has_view_permission(request, budget)
    if not allowed:
        raise PermissionDenied
    return budget


def _change_url(budget) -> str:
    return reverse("admin:budgets_budget_change", args=[budget.pk])


def validate(model_admin, request, pk):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    budget = _budget(model_admin, request, pk, change=True)
    try:
        budget_validate(budget=budget, user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Le budget est validé."))
    return redirect(_change_url(budget))


def send_back(model_admin, request, pk):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    budget = _budget(model_admin, request, pk, change=True)
    try:
        budget_return(budget=budget, user=request.user, comment=request.POST.get("comment", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Le budget est renvoyé à l'association pour correction."))
    return redirect(_change_url(budget))


def import_file(model_admin, request, pk):
    budget = _budget(model_admin, request, pk, change=True)
    form = ImportForm.for_budget(budget, request.POST or None, request.FILES or None)
    row_errors, errors = [], []
    if request.method == "POST" and form.is_valid():
        try:
            # The page carries the budget's version: a file sent from an older page (or without
            # the version) is refused as stale, like the budget's own form.
            if form.cleaned_data["version"] is None:
                raise stale_version_error()
            summary = budget_import(budget=budget, uploaded_file=form.cleaned_data["file"], user=request.user,
                                    expected_version=form.cleaned_data["version"])
        except ValidationError as exc:
            row_errors = getattr(exc, "row_errors", [])
            errors = [] if row_errors else exc.messages
        else:
            messages.success(request, _("Import réussi : %(lines)s lignes (%(created)s nouvelles, %(updated)s mises à "
                                        "jour, %(unchanged)s inchangées, %(deleted)s supprimées).") % {
                "lines": summary.lines, "created": summary.created, "updated": summary.updated,
                "unchanged": summary.unchanged, "deleted": summary.deleted})
            return redirect(_change_url(budget))
    context = {
        **model_admin.admin_site.each_context(request), "opts": Budget._meta, "original": budget,
        "title": _("Importer un fichier dans « %(budget)s »") % {"budget": budget}, "form": form,
        "row_errors": row_errors, "errors": errors,
    }
    return TemplateResponse(request, "budgets/admin/budget_import.html", context)


def export_one(model_admin, request, pk, fmt):
    budget = _budget(model_admin, request, pk)
    return exports.download(exports.export_budget(budget, exports.checked_format(fmt)))


def export_year(model_admin, request):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    form = YearExportForm(request.GET)
    if not form.is_valid():
        for field, field_errors in form.errors.items():
            for message in field_errors:
                messages.error(request, f"{form.fields[field].label} : {message}" if field in form.fields else message)
        return redirect("admin:budgets_budget_changelist")
    job = year_export_start(year=form.cleaned_data["annee"], fmt=form.cleaned_data["format"], user=request.user)
    return redirect(reverse("jobs:detail", args=[job.pk]))  # a whole year's lines: made by a background job


def template(model_admin, request, fmt):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    return exports.download(exports.budget_template(exports.checked_format(fmt)))


def compare(model_admin, request, convention_pk):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    convention = get_object_or_404(
        Convention.objects.select_related("beneficiary", "funder").with_amount_in_force(), pk=convention_pk
    )
    try:  # a multi-year agreement compares one year (by default its first): the budgets' rule
        year = budget_year_asked(convention, request.GET.get(YEAR_PARAMETER))
    except ValidationError as error:
        raise Http404(error.messages[0]) from error
    budgets = {b.kind: b for b in Budget.objects.filter(convention=convention, year=year)}
    variances = budget_variances(convention, year=year)
    totals_rows = [
        (_("Total des charges (hors contributions en nature)"), variances.block("charges")),
        (_("Total des produits (hors contributions en nature)"), variances.block("products")),
        (_("Écart charges − produits"), Variance(variances.forecast_totals.gap, variances.actual_totals.gap)),
        (_("86 Emplois des contributions en nature"), variances.block("in_kind_charges")),
        (_("87 Contributions volontaires en nature"), variances.block("in_kind_products")),
    ]
    context = {
        **model_admin.admin_site.each_context(request), "opts": Budget._meta, "convention": convention,
        "title": (_("Budget prévisionnel et réalisé — %(reference)s") % {"reference": convention.reference}
                  + (f" — {year}" if year else "")),
        "year": year, "years": list(convention.tranches.values_list("year", flat=True)) if year else [],
        "forecast": budgets.get(BudgetKind.FORECAST), "actual": budgets.get(BudgetKind.ACTUAL),
        "variances": variances, "totals_rows": totals_rows,
    }
    return TemplateResponse(request, "budgets/admin/budget_compare.html", context)
