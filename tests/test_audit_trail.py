"""The audit trail: every domain model keeps who, when and what changed; staff read it on each
object's history page (old → new, in French), with the rows edited along with it; imports are
audited with the importing user; nobody edits or reverts an audit record from the application.

(Concurrent edits and the agreement's own revert refusal: tests/test_audit_and_locking.py.)
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_model_for_model

from beneficiaries.models import Beneficiary
from budgets.models import Budget, BudgetKind, BudgetLine
from budgets.services import budget_import
from conventions.models import Amendment, Convention, StatusChange
from conventions.services import convention_load_history
from core.admin_base import DomainAdmin
from documents.models import Document
from finance.models import PaymentKind, PaymentStatus
from indicators.models import IndicatorReport, IndicatorValue
from indicators.services import Figures, indicator_report_save
from tests.factories import (
    BudgetFactory,
    MembershipFactory,
    PaymentRequestFactory,
    UserFactory,
    add_balanced_lines,
)
from tests.test_csp import assert_csp_clean

DOMAIN_APPS = ["conventions", "beneficiaries", "budgets", "indicators", "documents", "finance", "compliance",
               "campaigns", "deliberations", "registration"]

#: Models that are themselves the record of what happened, so they keep no history of their own.
#: Each is append-only, written only by its service, and never editable from the admin (checked below).
AUDIT_LOGS = {
    "conventions.StatusChange": "the lifecycle's audit log (who, when, from, to, why), written only by the "
                                "transition services; listed read-only on the agreement (« Historique des états »)",
    "conventions.Notification": "the log of emails sent, unique per event, written only by "
                                "conventions.notifications; listed read-only on the agreement (« Courriels envoyés »)",
    "campaigns.ApplicationVersion": "the log of an application's submissions (their content) and of the requests "
                                    "for changes (the agent's message), append-only, written only by "
                                    "campaigns.services; listed read-only on the application",
    "compliance.ReminderLog": "the log of reminders sent, unique per item, stage and due date, written only by "
                               "compliance.reminders (send_reminders, or the staff's « Envoyer les rappels du "
                               "jour » job); shown read-only in the agreement's « Conformité » block",
    "compliance.ComplianceSnapshot": "a computed state of the whole portfolio (overdue items, dependency, open-data "
                                     "summary), with who asked for it and when; written only by "
                                     "compliance.snapshot, never changed, the oldest deleted beyond the last ten; "
                                     "shown read-only on the dashboard and the overdue items' page",
}

#: Historised models whose history is not listed on an admin history page, and why.
NO_HISTORY_PAGE = {
    "indicators.SubmittedValue": "a frozen copy of one indicator's figures at one submission: created once with "
                                 "its submission (audited, with the submitter) and never changed; the report's "
                                 "review page shows it beside the submission",
}


def is_audit_record(model) -> bool:
    return hasattr(model, "instance_type")  # django-simple-history's historical models


def domain_models():
    for app_label in DOMAIN_APPS:
        for model in apps.get_app_config(app_label).get_models():
            if not is_audit_record(model):
                yield model


def is_historised(model) -> bool:
    try:
        get_history_model_for_model(model)
    except NotHistoricalModelError:
        return False
    return True


def domain_admins():
    return [ma for model, ma in admin.site._registry.items() if model._meta.app_label in DOMAIN_APPS]


# --- Inventory -------------------------------------------------------------------------------------


def test_every_domain_model_is_historised_or_is_itself_an_audit_log():
    labels = {model._meta.label: model for model in domain_models()}
    missing = [label for label, model in labels.items() if not is_historised(model) and label not in AUDIT_LOGS]
    assert missing == [], f"add HistoricalRecords() to these models (or justify them in AUDIT_LOGS): {missing}"
    stale = [label for label in AUDIT_LOGS if label not in labels or is_historised(labels[label])]
    assert stale == []


def test_every_history_is_readable_in_the_admin_with_its_differences():
    """Each historised model has a history page (its own, or its parent's) that shows differences."""
    own = {model._meta.label for model, ma in admin.site._registry.items() if isinstance(ma, DomainAdmin)}
    children = {child.model for ma in domain_admins() if isinstance(ma, DomainAdmin) for child in ma.history_children}
    for ma in domain_admins():
        if is_historised(ma.model):
            assert isinstance(ma, DomainAdmin), f"{ma.model._meta.label}: its admin must be a DomainAdmin"
    unseen = [model._meta.label for model in domain_models()
              if is_historised(model) and model._meta.label not in own | children | set(NO_HISTORY_PAGE)]
    assert unseen == []
    assert all(is_historised(apps.get_model(label)) and label not in own | children for label in NO_HISTORY_PAGE)


def test_audit_logs_cannot_be_edited_from_the_admin(demo):
    superuser = get_user_model().objects.get(username="admin")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    shown = set()
    for model in (apps.get_model(label) for label in AUDIT_LOGS):
        assert model not in admin.site._registry, f"{model._meta.label} must not have an admin of its own"
    for ma in domain_admins():
        obj = ma.model.objects.order_by("pk").first()
        for inline_class in ma.inlines:
            if inline_class.model._meta.label not in AUDIT_LOGS:
                continue
            shown.add(inline_class.model._meta.label)
            inline = inline_class(ma.model, admin.site)
            assert not inline.has_add_permission(request, obj)
            assert not inline.can_delete
            assert set(inline.get_fields(request, obj)) <= set(inline.get_readonly_fields(request, obj))
    assert shown == {"conventions.StatusChange", "conventions.Notification", "campaigns.ApplicationVersion"}


# --- Who, when, what: a staff edit of each main kind ------------------------------------------------


def change_form_data(response) -> dict:
    """Return what the admin change page would post back untouched: its form and its inline forms."""
    data = {}

    def add(form):
        for bound in form:
            if bound.field.disabled:
                continue
            widget = getattr(bound.field.widget, "widget", bound.field.widget)  # related-field wrappers
            value = bound.value()
            if isinstance(widget, forms.CheckboxInput):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(widget, forms.MultiWidget):
                parts = value if isinstance(value, list | tuple) else widget.decompress(value)
                for suffix, sub, part in zip(widget.widgets_names, widget.widgets, parts, strict=True):
                    data[bound.html_name + suffix] = sub.format_value(part) or ""
            elif isinstance(widget, forms.FileInput):
                continue
            else:
                shown = widget.format_value(value)
                if isinstance(shown, list):
                    shown = shown if isinstance(widget, forms.SelectMultiple) else (shown[0] if shown else "")
                data[bound.html_name] = "" if shown is None else shown

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def staff_edit(client, obj, **changes):
    """Open ``obj``'s admin page as the logged-in user, change ``changes`` and save; return the history page."""
    info = f"admin:{obj._meta.app_label}_{obj._meta.model_name}"
    response = client.get(reverse(f"{info}_change", args=[obj.pk]))
    assert response.status_code == 200
    data = change_form_data(response)
    assert set(changes) <= set(data), f"not editable here: {set(changes) - set(data)}"
    data.update(changes)
    saved = client.post(reverse(f"{info}_change", args=[obj.pk]), data)
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    return history_page(client, obj)


def history_page(client, obj) -> str:
    response = client.get(reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[obj.pk]))
    assert response.status_code == 200
    return response.content.decode()


def assert_audited(obj, username="agent", reason=None):
    record = obj.history.first()
    assert record.history_user is not None and record.history_user.username == username
    assert timezone.now() - record.history_date < timedelta(minutes=5)
    if reason is not None:
        assert record.history_change_reason == reason
    return record


def shows_change(page: str, field: str, old: str, new: str) -> bool:
    return f"<strong>{field}</strong> : {old} → {new}</li>" in page


@pytest.mark.parametrize(
    "model, lookup, field, typed, label, old, new",
    [
        (Convention, {"reference": "AMP-2026-ENV-JPH"}, "amount_granted", "34500,50",
         "Montant attribué", "32\u202f000,00", "34\u202f500,50"),
        (Amendment, {"convention__reference": "AMP-2026-CULT-PIM"}, "new_period_end", "30/04/2027",
         "Nouvelle fin de période", "31/03/2027", "30/04/2027"),
        (IndicatorReport, {"convention__reference": "AMP-2025-ENV-JPH", "period_label": ""}, "due_on", "15/07/2026",
         "À transmettre avant le", None, "15/07/2026"),
        (Document, {"convention__reference": "AMP-2025-ENV-JPH", "kind": "logo_proof"}, "due_on",
         "30/09/2026", "À fournir avant le", None, "30/09/2026"),
        (Beneficiary, {"acronym": "JPH"}, "city", "Aubagne", "Commune", "Marseille", "Aubagne"),
    ],
    ids=["agreement", "amendment", "indicator-report", "document", "beneficiary"],
)
def test_a_staff_edit_is_audited_with_who_when_and_old_and_new_values(agent_client, model, lookup, field, typed,
                                                                        label, old, new):
    obj = model.objects.filter(**lookup).order_by("pk").first()
    if old is None:  # a date: whatever the demo holds, shown the French way
        old = getattr(obj, field).strftime("%d/%m/%Y") if getattr(obj, field) else "—"
    page = staff_edit(agent_client, obj, **{field: typed})
    assert_audited(obj)
    assert shows_change(page, label, old, new), page
    assert ">agent</a>" in page


def test_a_budget_line_edited_in_the_budget_page_is_audited_on_the_budget_history(agent_client):
    budget = Budget.objects.get(convention__reference="AMP-2026-ENV-JPH", kind=BudgetKind.FORECAST)
    line = budget.lines.get(code="641")
    response = agent_client.get(reverse("admin:budgets_budget_change", args=[budget.pk]))
    data = change_form_data(response)
    formset = next(i.formset for i in response.context["inline_admin_formsets"] if i.formset.model is BudgetLine)
    form = next(f for f in formset.forms if f.instance.pk == line.pk)
    data[form.add_prefix("amount")] = "70500,25"
    assert agent_client.post(reverse("admin:budgets_budget_change", args=[budget.pk]), data).status_code == 302
    line.refresh_from_db()
    assert line.amount == Decimal("70500.25")
    assert_audited(line)
    page = history_page(agent_client, budget)
    section = page[page.index("Lignes du budget (saisie, import)"):]
    row = section[:section.index("</tr>", section.index(f"641 {line.label}"))]
    assert "<td>agent</td>" in row and "Modification" in row
    old = line.history.all()[1].amount
    assert shows_change(row, "Montant", f"{old:,.2f}".replace(",", "\u202f").replace(".", ","), "70\u202f500,25")


def test_a_payment_request_step_is_audited(agent_client, demo):
    convention = Convention.objects.get(reference="AMP-2025-ENV-JPH")
    payment = PaymentRequestFactory(convention=convention, kind=PaymentKind.BALANCE, amount=Decimal("6000.00"),
                                    status=PaymentStatus.SUBMITTED, payment_order_number="", paid_on=None)
    step = reverse("admin:finance_paymentrequest_step", args=[payment.pk, "valider-instructeur"])
    assert agent_client.post(step).status_code == 302
    assert_audited(payment, reason="Validée par le service instructeur")
    page = history_page(agent_client, payment)
    assert shows_change(page, "État", "Déposée", "Validée par le service instructeur")
    assert "<td>Validée par le service instructeur</td>" in page  # the reason, beside who and when


# --- Bulk writes: imports and services that write many rows ----------------------------------------


def csv_upload(*rows):
    lines = ["Compte;Libellé;Montant", *(";".join(row) for row in rows)]
    return SimpleUploadedFile("budget.csv", ("\r\n".join(lines) + "\r\n").encode())


def line_history(budget, since):
    return BudgetLine.history.filter(budget_id=budget.pk, history_date__gte=since)


def test_a_budget_import_audits_every_line_created_changed_or_dropped_with_the_importer(db):
    budget = add_balanced_lines(BudgetFactory())
    importer = UserFactory(username="importateur")
    since = timezone.now()
    summary = budget_import(budget=budget, user=importer,
                            uploaded_file=csv_upload(("641", "Salaires", "6 500"), ("606", "", "12,50")))
    assert (summary.created, summary.updated, summary.deleted) == (1, 1, 4)
    records = line_history(budget, since)
    assert sorted(records.values_list("history_type", flat=True)) == ["+", "-", "-", "-", "-", "~"]
    assert set(records.values_list("history_user__username", flat=True)) == {"importateur"}
    assert budget.history.first().history_change_reason == "Import du fichier « budget.csv »"


def test_an_admin_import_is_listed_on_the_budget_history_with_the_agent(agent_client):
    budget = Budget.objects.get(convention__reference="AMP-2026-ENV-JPH", kind=BudgetKind.FORECAST)
    kept = budget.lines.filter(code="641").first()
    dropped = budget.lines.count() - 1
    before = history_page(agent_client, budget)  # the demo's renewal copied last year's lines, then reworked them
    deleted_before = before[before.index("Lignes du budget (saisie, import)"):].count("<td>Suppression</td>")
    since = timezone.now()
    response = agent_client.post(reverse("admin:budgets_budget_import", args=[budget.pk]),
                                 {"file": csv_upload(("641", kept.label, "12 500,00"), ("606", "Graines", "80")),
                                  "version": budget.version})
    assert response.status_code == 302
    records = line_history(budget, since)
    assert records.count() == dropped + 2
    assert set(records.values_list("history_user__username", flat=True)) == {"agent"}
    page = history_page(agent_client, budget)
    assert "Import du fichier « budget.csv »" in page
    section = page[page.index("Lignes du budget (saisie, import)"):]
    assert "606 Graines</td>\n                <td>Création</td>" in section
    assert "<strong>Montant</strong> : 80,00</li>" in section  # a created line: its values
    assert section.count("<td>Suppression</td>") == deleted_before + dropped


def test_a_portal_import_is_audited_with_the_member(client, db):
    member = UserFactory(username="tresoriere")
    membership = MembershipFactory(user=member)
    budget = add_balanced_lines(BudgetFactory(convention__beneficiary=membership.beneficiary))
    client.force_login(member)
    since = timezone.now()
    target = reverse("portal_budgets:forecast_import", args=[budget.convention_id])
    response = client.post(target, {"file": csv_upload(("641", "Salaires", "7000")), "version": budget.version})
    assert response.status_code == 302
    records = line_history(budget, since)
    assert sorted(records.values_list("history_type", flat=True)) == ["-", "-", "-", "-", "~"]
    assert set(records.values_list("history_user__username", flat=True)) == {"tresoriere"}


def test_indicator_figures_saved_by_a_member_are_audited_with_the_member(demo):
    report = IndicatorReport.objects.get(convention__reference="AMP-2025-ENV-JPH", period_label="")
    member = get_user_model().objects.get(username="asso2")
    value = report.values.select_related("definition").exclude(definition__value_type="text").first()
    indicator_report_save(report=report, by=member, figures={value.definition.code: Figures(total=Decimal("42"))})
    assert IndicatorValue.history.filter(report_id=report.pk, history_user=member).exists()
    assert value.history.first().history_user == member


def test_a_lifecycle_taken_over_is_written_to_the_agreement_history(demo):
    convention = Convention.objects.get(reference="AMP-2026-ENV-JPH")
    agent = get_user_model().objects.get(username="agent")
    convention_load_history(convention=convention, path=["draft", "submitted", "in_review"], by=agent)
    record = assert_audited(convention, reason="Reprise de l'historique")
    assert record.status == "in_review" and StatusChange.objects.filter(convention=convention).count() == 3


def test_the_demo_termination_date_is_audited(demo):
    terminated = Convention.objects.exclude(terminated_on=None).get()
    assert terminated.history.filter(terminated_on=terminated.terminated_on).exists()


# --- Audit records are read-only ---------------------------------------------------------------------


def test_no_admin_and_no_role_may_write_an_audit_record(demo):
    assert not [model for model in admin.site._registry if is_audit_record(model)]
    writable = Permission.objects.filter(group__in=Group.objects.all()).exclude(codename__startswith="view_")
    assert not [p.codename for p in writable if is_audit_record(p.content_type.model_class())]


def domain_admin_objects():
    for ma in domain_admins():
        if isinstance(ma, DomainAdmin):
            obj = ma.model.objects.order_by("pk").first()
            if obj is not None:
                yield ma, obj


def test_every_history_page_and_past_version_is_readable_but_never_saved(client, demo):
    """Staff read every domain object's history and its past versions; posting a version is refused."""
    client.login(username="admin", password="demo")
    checked = []
    for _ma, obj in domain_admin_objects():
        info = f"admin:{obj._meta.app_label}_{obj._meta.model_name}"
        url = reverse(f"{info}_history", args=[obj.pk])
        assert_csp_clean(client.get(url), url)
        record = obj.history.earliest()
        version_url = reverse(f"{info}_simple_history", args=[obj.pk, record.history_id])
        assert client.get(version_url).status_code == 200, version_url
        count = obj.history.count()
        assert client.post(version_url, {}).status_code == 403, version_url
        assert obj.history.count() == count
        checked.append(obj._meta.label)
    assert {"conventions.Convention", "budgets.Budget", "indicators.IndicatorReport", "finance.PaymentRequest",
            "documents.Document", "beneficiaries.Beneficiary"} <= set(checked)


@pytest.mark.parametrize("username", ["scs", "asso2"])
def test_portal_members_reach_no_history(client, demo, username):
    client.login(username=username, password="demo")
    for _ma, obj in domain_admin_objects():
        info = f"admin:{obj._meta.app_label}_{obj._meta.model_name}"
        for url in (reverse(f"{info}_history", args=[obj.pk]),
                    reverse(f"{info}_simple_history", args=[obj.pk, obj.history.earliest().history_id])):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), url


def test_the_history_survives_a_deleted_line_and_names_it(agent_client):
    budget = Budget.objects.get(convention__reference="AMP-2026-ENV-JPH", kind=BudgetKind.FORECAST)
    line = budget.lines.get(code="641")
    label = f"641 {line.label}"
    budget_import(budget=budget, user=get_user_model().objects.get(username="agent"),
                  uploaded_file=csv_upload(("606", "Graines", "80")))
    assert not BudgetLine.objects.filter(pk=line.pk).exists()
    page = history_page(agent_client, budget)
    section = page[page.index("Lignes du budget (saisie, import)"):]
    row = section[section.index(label):section.index("</tr>", section.index(label))]
    assert "Suppression" in row and f"{line.amount:,.2f}".replace(",", "\u202f").replace(".", ",") in row


def test_long_texts_are_shortened_around_the_change_in_french():
    from core.admin_history import FrenchDiffDisplay

    before, after = FrenchDiffDisplay(max_length=60).common_shorten_repr("A" * 300 + "début", "A" * 300 + "fin")
    assert "caractères …]" in before and before.endswith("début") and after.endswith("fin")
    assert "chars" not in before + after
