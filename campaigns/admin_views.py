"""The instruction in the admin: the checks beside the application, its decisions through the services,
its submitted versions, and the campaigns' dashboard.

Each view receives the ``ApplicationAdmin`` to check the agent's permissions the admin's way; every
decision is a POST to ``instruct``, which calls one service (never an edit of the status field).
"""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from budgets.rules import BudgetReport, budget_report
from campaigns.forms import AssignForm, ProposeForm, ReasonForm, RequestChangesForm
from campaigns.models import Application, ApplicationStatus, Campaign, VersionKind
from campaigns.rules import envelope_state, instruction_checks, paid_by_campaign
from campaigns.services import (
    application_assign,
    application_dismiss,
    application_propose,
    application_refuse,
    application_request_changes,
    instruction_conflict,
)
from campaigns.views import application_document_response
from core.charts import PALETTE, Series, bar_chart, figure
from core.money import ZERO, format_euros

#: What each state allows on the instruction page.
ACTIONS_BY_STATUS = {
    ApplicationStatus.SUBMITTED: ("assign", "request_changes", "refuse", "dismiss"),
    ApplicationStatus.IN_INSTRUCTION: ("assign", "request_changes", "propose", "refuse", "dismiss"),
    ApplicationStatus.PROPOSED: ("assign", "propose", "refuse", "dismiss"),
    ApplicationStatus.CHANGES_REQUESTED: ("dismiss",),
}
#: The decisions a member of the association, or who submitted it, may not take (segregation of duties).
DECISIONS = {"propose", "refuse"}


def instructors():
    """Return the active staff allowed to instruct applications."""
    permission = Permission.objects.filter(codename="change_application", content_type__app_label="campaigns")
    return (get_user_model().objects.filter(is_active=True, is_staff=True)
            .filter(Q(is_superuser=True) | Q(groups__permissions__in=permission) | Q(user_permissions__in=permission))
            .distinct().order_by("last_name", "username"))


def _application(model_admin, request, pk, *, change=False) -> Application:
    application = get_object_or_404(
        Application.objects.select_related("campaign__programme__funder", "beneficiary", "budget", "submitted_by"),
        pk=pk)
    allowed = (model_admin.has_change_permission(request, application) if change
               else model_admin.has_view_permission(request, application))
    if not allowed:
        raise PermissionDenied
    return application


def instruction_context(model_admin, request, application, forms=None) -> dict:
    """Return what the instruction page shows beside the application."""
    forms = forms or {}
    can_change = model_admin.has_change_permission(request, application)
    conflict = instruction_conflict(application, request.user)
    actions = ACTIONS_BY_STATUS.get(application.status, ()) if can_change else ()
    report = budget_report(application.budget) if application.budget_id else BudgetReport.empty()
    return {
        "instruction_checks": instruction_checks(application),
        "envelope": envelope_state(application.campaign),
        "budget_report": report,
        "conflict": conflict,
        "actions": [a for a in actions if not (conflict and a in DECISIONS)],
        "blocked_decisions": [a for a in actions if conflict and a in DECISIONS],
        "assign_form": forms.get("assign") or AssignForm(agents=instructors(),
                                                         initial={"agent": application.assigned_to_id}),
        "propose_form": forms.get("propose") or ProposeForm(initial={
            "opinion": application.opinion or "favorable",
            "proposed_amount": _amount_text(application.proposed_amount or application.requested_amount),
            "proposal_reason": application.proposal_reason if application.status == ApplicationStatus.PROPOSED else ""}),
        "refuse_form": forms.get("refuse") or ReasonForm(prefix="refuse"),
        "dismiss_form": forms.get("dismiss") or ReasonForm(prefix="dismiss"),
        "changes_form": forms.get("request_changes") or RequestChangesForm(),
        "submissions": application.versions.filter(kind=VersionKind.SUBMISSION).order_by("number"),
    }


def _amount_text(amount) -> str:
    return "" if amount is None else format_euros(amount).replace("\u00a0€", "")


def instruct(model_admin, request, pk, action):
    """Take one decision on the application (POST), through its service; a refusal keeps what was typed."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    application = _application(model_admin, request, pk, change=True)
    if action not in ("assign", "request_changes", "propose", "refuse", "dismiss"):
        raise PermissionDenied
    form, call, done = _decision(action, request, application)
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(reverse("admin:campaigns_application_change", args=[application.pk]))
    messages.error(request, _("Rien n'a été enregistré : corrigez la saisie ci-dessous."))
    return _render_with(model_admin, request, application, {action: form}, action)


def _render_with(model_admin, request, application, forms, action):
    """Show the change page again with the refused form (a GET rendering: nothing is saved)."""
    request.method = "GET"
    context = {"instruction_override": instruction_context(model_admin, request, application, forms),
               "open_action": action}
    return model_admin.change_view(request, str(application.pk), extra_context=context)


def _decision(action, request, application):
    user, data = request.user, request.POST
    if action == "assign":
        form = AssignForm(data, agents=instructors())
        return form, lambda c: application_assign(application=application, agent=c["agent"], user=user), _(
            "La candidature est attribuée à l'agent instructeur.")
    if action == "request_changes":
        form = RequestChangesForm(data)
        return form, lambda c: application_request_changes(application=application, user=user, message=c["message"]), _(
            "La demande de compléments est envoyée à l'association.")
    if action == "propose":
        form = ProposeForm(data)
        return form, lambda c: application_propose(
            application=application, opinion=c["opinion"], proposed_amount=c["proposed_amount"],
            reason=c["proposal_reason"], user=user), _("La proposition est enregistrée.")
    if action == "refuse":
        form = ReasonForm(data, prefix="refuse")
        return form, lambda c: application_refuse(application=application, reason=c["proposal_reason"], user=user), _(
            "La candidature est refusée.")
    form = ReasonForm(data, prefix="dismiss")
    return form, lambda c: application_dismiss(application=application, reason=c["proposal_reason"], user=user), _(
        "La candidature est classée sans suite.")


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def version(model_admin, request, pk, number):
    """One submitted version of the application, as the association submitted it."""
    application = _application(model_admin, request, pk)
    found = get_object_or_404(application.versions.select_related("by"), number=number, kind=VersionKind.SUBMISSION)
    snapshot = dict(found.snapshot)
    for name in ("action_start", "action_end"):
        snapshot[name] = date.fromisoformat(snapshot[name]) if snapshot.get(name) else None
    snapshot["requested_amount"] = _decimal(snapshot.get("requested_amount"))
    snapshot["budget_lines"] = [{**line, "amount": _decimal(line.get("amount"))}
                                for line in snapshot.get("budget_lines", [])]
    return TemplateResponse(request, "campaigns/admin/application_version.html", {
        **model_admin.admin_site.each_context(request), "opts": Application._meta, "original": application,
        "version": found, "snapshot": snapshot, "title": _("Dépôt n° %(number)s") % {"number": number},
    })


def _decimal(value):
    return None if value in (None, "") else Decimal(value)


def document_file(model_admin, request, pk, document_pk):
    """Download a document attached to the application (staff allowed to view applications)."""
    application = _application(model_admin, request, pk)
    document = get_object_or_404(application.documents.all(), pk=document_pk)
    return application_document_response(document)


# --- Dashboard ---------------------------------------------------------------------------------


#: The amounts the dashboard shows per campaign, in the order of its chart and table.
AMOUNTS = ("requested", "proposed", "granted", "paid")


def campaign_figures(campaigns):
    """Return, per campaign, the applications by state and the amounts requested (submitted ones: not drafts),
    proposed (or granted), granted and paid (``campaigns.rules.paid_by_campaign``), in two queries."""
    campaigns = list(campaigns)
    committed = Q(status__in=[ApplicationStatus.PROPOSED, ApplicationStatus.GRANTED])
    rows = (Application.objects.filter(campaign__in=campaigns).values("campaign_id", "status")
            .annotate(count=Count("pk"),
                      requested=Sum("requested_amount", filter=~Q(status=ApplicationStatus.DRAFT), default=ZERO),
                      proposed=Sum("proposed_amount", filter=committed, default=ZERO),
                      granted=Sum("granted_amount", filter=Q(status=ApplicationStatus.GRANTED), default=ZERO))
            .order_by())
    paid = paid_by_campaign(campaigns) if campaigns else {}
    figures = {c.pk: {"campaign": c, "by_status": {}, "requested": ZERO, "proposed": ZERO, "granted": ZERO,
                      "paid": paid.get(c.pk, ZERO), "count": 0} for c in campaigns}
    for row in rows:
        entry = figures[row["campaign_id"]]
        entry["by_status"][row["status"]] = row["count"]
        entry["count"] += row["count"]
        for name in ("requested", "proposed", "granted"):
            entry[name] += row[name]
    for entry in figures.values():
        entry["statuses"] = [(value, label, entry["by_status"].get(value, 0))
                             for value, label in ApplicationStatus.choices]
    return list(figures.values())


def dashboard(model_admin, request):
    """Per campaign and programme: applications by state, amounts requested, proposed, granted, paid, and a chart."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    campaigns = list(Campaign.objects.select_related("programme").order_by("-year", "programme__name", "title"))
    figures = campaign_figures(campaigns)
    labels = [_("Demandé"), _("Proposé ou attribué"), _("Attribué"), _("Payé")]
    series = [Series(label, PALETTE[index]) for label, index in zip(labels, (0, 1, 3, 4), strict=True)]
    chart = None
    if figures:
        rows = []
        for entry in figures:
            title = entry["campaign"].title
            for index, (name, word) in enumerate(zip(AMOUNTS, (_("demandé"), _("proposé"), _("attribué"),
                                                                _("payé")), strict=True)):
                values = [ZERO] * len(AMOUNTS)
                values[index] = entry[name]
                rows.append((f"{title} — {word}", values))
        svg = bar_chart(chart_id="campagnes", title=_("Montants par campagne"),
                        description=_("Montants demandés, proposés (ou attribués), attribués et payés, par campagne"),
                        rows=rows, series=series)
        chart = figure(
            chart_id="campagnes", caption=_("Montants par campagne"), svg=svg, row_heading=_("Campagne"),
            columns=[*labels, _("Enveloppe")],
            rows=[(entry["campaign"].title, [*(format_euros(entry[name]) for name in AMOUNTS),
                                             format_euros(entry["campaign"].envelope)])
                  for entry in figures])
    return TemplateResponse(request, "campaigns/admin/dashboard.html", {
        **model_admin.admin_site.each_context(request), "opts": Application._meta,
        "title": _("Tableau de bord des campagnes"), "figures": figures, "chart": chart,
    })
