"""Staff pages in the admin: the dashboard, the list of everything overdue, the open-data file, the
day's reminders sent on request (after a confirmation showing what would go out).

The overdue items, the dependency and the open-data summary are read from the latest snapshot
(``compliance.snapshot``: too long to compute on each load), with its time and « Recalculer maintenant »;
the money per year and state is computed live."""

from decimal import Decimal

from django.contrib import admin
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from compliance.checks import CERTIFIED_ACCOUNTS_SHARE
from compliance.dashboard import (
    money_by_year_and_state,
    money_total,
    totals_by_state,
    totals_by_year,
)
from compliance.jobs import (
    REMINDERS_PERMISSION,
    SNAPSHOT_PERMISSION,
    reminders_start,
    scdl_csv_start,
    snapshot_start,
)
from compliance.reminders import reminders_send
from compliance.snapshot import latest_snapshot
from core import charts
from core.money import format_percent

PAID = charts.Series(gettext_lazy("Versé"), charts.PALETTE[0])
TO_PAY = charts.Series(gettext_lazy("Reste à verser"), charts.PALETTE[1])
PREPARATION = charts.Series(gettext_lazy("En préparation (non voté)"), charts.PALETTE[2])
MONEY_SERIES = (PAID, TO_PAY, PREPARATION)
#: Associations shown in the dashboard's dependency chart and table, the most dependent first: a
#: portfolio of 1,000 associations over ten years has about 9,000 rows (a 5 MB page, a chart no one reads).
DASHBOARD_DEPENDENCIES = 20


class StaffPage(PermissionRequiredMixin, TemplateView):
    """An admin page for whoever may read agreements (agents, finance, administrators)."""

    permission_required = SNAPSHOT_PERMISSION
    raise_exception = True
    title = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(**admin.site.each_context(self.request), title=self.title, **kwargs)


class SnapshotPage(StaffPage):
    """A page showing the latest snapshot (``compliance.snapshot``), with its time and « Recalculer maintenant »."""

    page = ""  # a key of SnapshotRefreshView.PAGES: where the job's page leads back

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        snapshot = latest_snapshot()
        return super().get_context_data(
            today=today, snapshot=snapshot, stale=bool(snapshot and snapshot.is_from_an_earlier_day(today)),
            refresh_page=self.page, **kwargs)


class DashboardView(SnapshotPage):
    template_name = "conventions/convention_dashboard.html"
    title = gettext_lazy("Tableau de bord des subventions")
    page = "dashboard"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        snapshot = context["snapshot"]
        rows = money_by_year_and_state()
        years, states = totals_by_year(rows), totals_by_state(rows)
        if snapshot is not None:
            most_dependent = snapshot.dependencies[:DASHBOARD_DEPENDENCIES]  # most dependent first
            context.update(
                dependencies=most_dependent, dependency_count=len(snapshot.dependencies),
                overdue=snapshot.overdue[:10], overdue_count=len(snapshot.overdue),
                export_rows=snapshot.scdl_rows, export_problems=snapshot.scdl_problems,
                dependency_chart=self._dependency_chart(most_dependent))
        context.update(
            rows=rows, years=years, states=states, overall=money_total(None, "", rows), series=MONEY_SERIES,
            year_chart=self._year_chart(years), state_chart=self._state_chart(states),
            count_chart=self._count_chart(states))
        return context

    @staticmethod
    def _money(total):
        return [total.paid, total.to_pay, total.in_preparation]

    def _year_chart(self, years):
        return charts.column_chart(
            chart_id="chart-years", title=_("Montants par exercice"),
            description=_("Barres empilées : versé, reste à verser et montants en préparation, pour chaque exercice."),
            categories=[t.label for t in years], series=MONEY_SERIES, values=[self._money(t) for t in years],
        )

    def _state_chart(self, states):
        return charts.bar_chart(
            chart_id="chart-states", title=_("Montants par état des conventions"),
            description=_("Barres empilées : versé, reste à verser et montants en préparation, pour chaque état."),
            rows=[(t.label, self._money(t)) for t in states], series=MONEY_SERIES,
        )

    def _count_chart(self, states):
        return charts.bar_chart(
            chart_id="chart-counts", title=_("Conventions par état"),
            description=_("Nombre de conventions dans chaque état."),
            rows=[(t.label, [Decimal(t.count)]) for t in states],
            series=[charts.Series(_("Conventions"), charts.PALETTE[0])], value_format=lambda v: f"{v:f}",
        )

    def _dependency_chart(self, deps):
        rows = [(f"{d.chart_label} — {d.fiscal_year}", [d.share]) for d in deps if d.share is not None]
        return charts.bar_chart(
            chart_id="chart-dependency", title=_("Part de la collectivité dans le budget de chaque association"),
            description=_("Montant attribué rapporté aux charges du budget prévisionnel, hors contributions en nature ; "
                          "la ligne pointillée marque 50 %, au-delà duquel les comptes certifiés sont dus."),
            rows=rows, series=[charts.Series(_("Part hors contributions en nature"), charts.PALETTE[0])],
            value_format=format_percent, maximum=Decimal(1),
            threshold=(CERTIFIED_ACCOUNTS_SHARE, format_percent(CERTIFIED_ACCOUNTS_SHARE, 0)),
        )


class OverdueView(SnapshotPage):
    template_name = "conventions/convention_overdue.html"
    title = gettext_lazy("Échéances dépassées")
    page = "overdue"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["items"] = context["snapshot"].overdue if context["snapshot"] else []
        return context


class SnapshotRefreshView(PermissionRequiredMixin, View):
    """« Recalculer maintenant »: starts the job computing the snapshot again (``compliance.jobs``) and
    opens its page, which leads back to the page the button was on."""

    PAGES = {"dashboard": ("staff:dashboard", gettext_lazy("Revenir au tableau de bord")),
             "overdue": ("staff:overdue", gettext_lazy("Revenir aux échéances dépassées"))}
    permission_required = SNAPSHOT_PERMISSION
    raise_exception = True
    http_method_names = ["post"]

    def post(self, request):
        url_name, label = self.PAGES.get(request.POST.get("page"), self.PAGES["dashboard"])
        job = snapshot_start(user=request.user, return_url=reverse(url_name), return_label=str(label))
        return redirect(reverse("jobs:detail", args=[job.pk]))


class ScdlExportView(PermissionRequiredMixin, View):
    """The open-data file (the same as ``manage.py export_scdl``), made by a background job whose
    page gives it (``compliance.jobs``): every signed agreement of every year."""

    permission_required = "conventions.view_convention"
    raise_exception = True

    def get(self, request):
        return redirect(reverse("jobs:detail", args=[scdl_csv_start(user=request.user).pk]))


class RemindersSendView(PermissionRequiredMixin, View):
    """« Envoyer les rappels du jour »: a first POST shows what would go out (a dry run, nothing sent
    nor kept); « Confirmer l'envoi » starts the job (``compliance.jobs``) and opens its page."""

    permission_required = REMINDERS_PERMISSION
    raise_exception = True
    http_method_names = ["post"]

    def post(self, request):
        today = timezone.localdate()
        if request.POST.get("confirm") and request.POST.get("day") == today.isoformat():
            return redirect(reverse("jobs:detail", args=[reminders_start(user=request.user, today=today).pk]))
        # Not confirmed yet, or confirmed on a page shown before midnight: show what would go out today.
        return TemplateResponse(request, "compliance/reminders_confirm.html", {
            **admin.site.each_context(request), "title": _("Envoyer les rappels du jour"), "today": today,
            "run": reminders_send(today=today, dry_run=True),
            "day_changed": bool(request.POST.get("confirm"))})
