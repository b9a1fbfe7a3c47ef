"""Moves keep the data: models that changed app keep their rows, history, permissions and URLs."""

import io
import json
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.models import F

from budgets.models import Budget
from conventions.models import Convention
from core.model_moves import MOVED_MODELS
from core.roles import AGENT, FINANCE
from documents.models import Document
from finance.models import PaymentRequest, Recovery

#: Written by ``backup_data`` on main at 30b3923, before documents, payments and reminders left
#: the conventions app: the demo data, its history and the role groups' grants.
BACKUP_BEFORE_LAYOUT = Path(__file__).parent / "data" / "backup_before_layout.json"


@pytest.mark.django_db(transaction=True)
def test_a_backup_written_before_the_move_restores_after_it():
    call_command("flush", interactive=False, verbosity=0)
    call_command("restore_data", str(BACKUP_BEFORE_LAYOUT), stdout=io.StringIO())
    assert Document.objects.count() == 13 and Document.history.count() == 13
    assert PaymentRequest.objects.count() == 4 and PaymentRequest.history.count() == 4
    assert Recovery.objects.count() == 1
    # The groups' grants follow the models: the agent still approves as instructing service.
    agent_grants = set(Group.objects.get(name=AGENT).permissions.values_list("content_type__app_label", "codename"))
    assert {("finance", "approve_as_staff"), ("documents", "change_document")} <= agent_grants
    finance_grants = set(Group.objects.get(name=FINANCE).permissions.values_list("content_type__app_label", "codename"))
    assert {("finance", "approve_as_finance"), ("finance", "mark_paid")} <= finance_grants


@pytest.mark.django_db(transaction=True)
def test_an_admin_log_entry_about_a_moved_model_follows_it_on_restore(tmp_path):
    objects = json.loads(BACKUP_BEFORE_LAYOUT.read_text(encoding="utf-8"))
    document = next(o for o in objects if o["model"] == "conventions.document")
    objects.append({"model": "admin.logentry", "pk": 1, "fields": {
        "action_time": "2025-05-02T09:30:00.123456Z", "user": ["agent"], "content_type": ["conventions", "document"],
        "object_id": str(document["pk"]), "object_repr": "Bilan", "action_flag": CHANGE, "change_message": "Accepté."}})
    backup = tmp_path / "sauvegarde.json"
    backup.write_text(json.dumps(objects), encoding="utf-8")
    call_command("flush", interactive=False, verbosity=0)
    call_command("restore_data", str(backup), stdout=io.StringIO())
    entry = LogEntry.objects.get()
    assert entry.content_type.natural_key() == ("documents", "document")
    assert entry.get_edited_object() == Document.objects.get(pk=document["pk"])


def _content_type_apps():
    return {model: app for app, model in ContentType.objects.filter(
        model__in=[label.split(".")[1] for label in MOVED_MODELS]).values_list("app_label", "model")}


def _table_rows(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 - table names from the code
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_move_migrates_backwards_and_forwards_keeping_tables_and_content_types(demo_committed):
    rows = {table: _table_rows(table) for table in ("conventions_document", "conventions_paymentrequest",
                                                     "conventions_historicaldocument")}
    assert _content_type_apps()["paymentrequest"] == "finance"
    # The schema before the move has no yearly budgets (multi-year agreements): they cannot go back with it.
    Budget.objects.filter(year__isnull=False).exclude(year=F("convention__fiscal_year")).delete()
    # Nor amounts « non renseigné » (a renewal's draft before its amount was set, in its history).
    assert not Convention.objects.filter(amount_granted__isnull=True).exists()
    Convention.history.filter(amount_granted__isnull=True).delete()
    out = io.StringIO()
    try:  # the schema goes forward again even if going back fails halfway: the worker's later tests need it
        for app in ("finance", "documents", "compliance"):
            call_command("migrate", app, "zero", verbosity=0, stdout=out)
        call_command("migrate", "conventions", "0006", verbosity=0, stdout=out)
        assert {model: _content_type_apps()[model] for model in ("document", "paymentrequest", "reminderlog")} == {
            "document": "conventions", "paymentrequest": "conventions", "reminderlog": "conventions"}
        assert {table: _table_rows(table) for table in rows} == rows
    finally:
        call_command("migrate", verbosity=0, stdout=out)
    assert _content_type_apps()["document"] == "documents"
    assert {table: _table_rows(table) for table in rows} == rows


@pytest.mark.django_db
def test_admin_addresses_of_moved_models_redirect_to_their_new_app(client):
    response = client.get("/admin/conventions/paymentrequest/12/change/?a_traiter=finances")
    assert response.status_code == 301
    assert response["Location"] == "/admin/finance/paymentrequest/12/change/?a_traiter=finances"
    response = client.get("/admin/conventions/document/")
    assert response.status_code == 301 and response["Location"] == "/admin/documents/document/"
