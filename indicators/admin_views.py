"""Staff pages of the indicators admin: the review of a report, and the export of a year."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.charts import report_charts
from indicators.models import IndicatorReport
from indicators.resources import FORMATS, export_year
from indicators.selectors import comparisons, report_for_review, report_history
from indicators.services import (
    indicator_report_return,
    indicator_report_validate,
    validation_conflict,
)


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Commentaire pour l'association"), required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=gettext_lazy("Obligatoire pour renvoyer le rapport : dites ce qui doit être corrigé."),
    )


def review(model_admin, request, object_id):
    """Show a report beside the previous year's and period's figures; validate it or return it."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    try:
        report = report_for_review(object_id)
    except (IndicatorReport.DoesNotExist, ValueError):
        raise Http404(_("Ce rapport d'indicateurs n'existe pas.")) from None
    can_review = model_admin.has_change_permission(request, report)
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if not can_review:
            raise PermissionDenied
        if form.is_valid():
            action = request.POST.get("action")
            comment = form.cleaned_data["comment"]
            try:
                if action == "validate":
                    indicator_report_validate(report=report, by=request.user, comment=comment)
                    messages.success(request, _("Le rapport est validé."))
                elif action == "return":
                    indicator_report_return(report=report, by=request.user, comment=comment)
                    messages.success(request, _("Le rapport est renvoyé à l'association pour correction."))
                else:
                    raise ValidationError(_("Choisissez : valider ou renvoyer le rapport."))
                return HttpResponseRedirect(request.path)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    form.add_error(None, error)
                else:
                    form.add_error(None, error.messages)
    history = report_history(report)
    period_label, rows = comparisons(report, history)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta, "title": _("Examen du rapport d'indicateurs %(label)s") % {"label": report.label},
        "report": report, "convention": report.convention, "rows": rows, "period_label": period_label,
        "previous_year": report.year - 1, "charts": report_charts(report.indicator_set.definitions.all(), history),
        "submissions": report.submissions.all(), "form": form, "can_review": can_review and report.status == "submitted",
        "validation_conflict": validation_conflict(report, request.user) if report.status == "submitted" else None,
    }
    return TemplateResponse(request, "indicators/indicatorreport_review.html", context)


class ExportForm(forms.Form):
    year = forms.TypedChoiceField(label=gettext_lazy("Année"), coerce=int)
    file_format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV")], initial="xlsx",
    )

    def __init__(self, *args, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]


def export(model_admin, request):
    """Offer the choice of a year and a format, then send every report of that year as a file."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    years = list(IndicatorReport.objects.yearly().order_by("-year").values_list("year", flat=True).distinct())
    form = ExportForm(request.GET if "year" in request.GET else None, years=years)
    if form.is_valid():
        year, file_format = form.cleaned_data["year"], form.cleaned_data["file_format"]
        content, content_type = export_year(year, file_format)
        response = HttpResponse(content, content_type=content_type)
        extension = FORMATS[file_format]().get_extension()
        response["Content-Disposition"] = f'attachment; filename="indicateurs-{year}.{extension}"'
        return response
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta, "title": _("Exporter les rapports d'indicateurs d'une année"), "form": form,
    }
    return TemplateResponse(request, "indicators/indicatorreport_export.html", context)
