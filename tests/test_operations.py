"""Operations: backup and restore, login throttling, production settings."""

import io
import json
import os
import subprocess
import sys
from datetime import date

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from compliance.models import ReminderChannel, ReminderLog, ReminderStage
from conventions.management.commands.backup_data import EXCLUDED
from conventions.models import Convention, Notification
from dossier.models import RequirementWaiver
from messaging.models import Side
from messaging.services import message_post
from notices.models import Frequency
from notices.services import notice_preference_set, notice_queue
from registration.services import AssociationInput, PersonInput, registration_create
from tests.factories import UserFactory
from tests.samples import pdf_bytes, upload

#: What a backup may leave out (``backup_data.EXCLUDED`` says why): rebuilt by ``migrate``, or not data.
NOT_BACKED_UP = {"contenttypes.contenttype", "auth.permission", "sessions.session", "axes.accessattempt",
                 "axes.accessattemptexpiration", "django_tasks_database.dbtaskresult", "jobs.job",
                 "compliance.compliancesnapshot"}


def every_row() -> dict[str, list[str]]:
    """Each model's rows but those of NOT_BACKED_UP, foreign keys by natural key (content type
    ids change with ``migrate``), ids and every field included, in a comparable order."""
    rows = {}
    for model in apps.get_models():
        if model._meta.proxy or model._meta.label_lower in NOT_BACKED_UP:
            continue
        many_to_many = [field.name for field in model._meta.many_to_many]
        serialized = serializers.serialize("python", model._base_manager.all(), use_natural_foreign_keys=True)
        for row in serialized:
            for name in many_to_many:
                row["fields"][name] = sorted(row["fields"][name])
        rows[model._meta.label] = sorted(json.dumps(row, sort_keys=True, default=str) for row in serialized)
    return rows


def fill_what_the_demo_leaves_empty(client):
    """Rows in every model the demo leaves empty: the admin's log, logins, reminders, waivers, messages, notices."""
    admin = User.objects.get(username="admin")
    convention = Convention.objects.get(reference="AMP-2023-DEVECO-SCS")
    # A user whose id is not the next one after a restore: an account deleted before it.
    UserFactory(username="parti")
    staff = UserFactory(username="nouvelle-agente")
    User.objects.filter(username="parti").delete()
    LogEntry.objects.log_actions(user_id=admin.pk, queryset=User.objects.filter(pk=staff.pk), action_flag=CHANGE,
                                 change_message="Droits modifiés.")
    LogEntry.objects.log_actions(user_id=admin.pk, queryset=Convention.objects.filter(pk=convention.pk),
                                 action_flag=CHANGE, change_message="Montant modifié.")
    # An entry about a model removed since: its content type is no longer made by `migrate`.
    removed = ContentType.objects.create(app_label="conventions", model="ancienmodele")
    LogEntry.objects.create(user=admin, content_type=removed, object_id="7", object_repr="Ancien",
                            action_flag=DELETION)
    ReminderLog.objects.create(convention=convention, subject="document:1", label="Compte rendu financier",
                               stage=ReminderStage.OVERDUE, due_on=date(2024, 6, 30),
                               channel=ReminderChannel.ASSOCIATION, recipients="asso@example.invalid")
    Notification.objects.create(convention=convention, key="test:sauvegarde", recipients="asso@example.invalid",
                                subject="Objet", body="Message.")
    RequirementWaiver.objects.create(convention=convention, transition="vote", requirement="objectives_written",
                                     reason="Objectifs annexés au rapport.", by=admin)
    # A thread's message with its attachment; one user's choice of a daily digest, a notice waiting for it.
    member = User.objects.get(username="scs")
    message_post(convention=convention, author=member, side=Side.ASSOCIATION, body="Voici le bilan.",
                 files=[upload("bilan.pdf", pdf_bytes())])
    notice_preference_set(user=member, frequency=Frequency.DAILY)
    notice_queue(user=member, subject="Nouveau message", body="Un message vous attend.",
                 link="http://testserver/portail/")
    # An association that registered itself on the portal (its account not activated yet).
    registration_create(
        association=AssociationInput(name="Les Amis du Vieux Port", siret="", rna="W133004567",
                                     address="1 quai du Port", postal_code="13002", city="Marseille",
                                     representative_civility="Mme", representative_title="Présidente",
                                     representative_name="Léa Martin"),
        person=PersonInput(first_name="Léa", last_name="Martin", email="lea.martin@example.invalid",
                           password="un-mot-de-passe-solide-42"),
        site_url="http://testserver")
    with override_settings(AXES_ENABLED=True, AXES_ENABLE_ACCESS_FAILURE_LOG=True):
        url = reverse("portal:login")
        client.post(url, {"username": "scs", "password": "faux"}, REMOTE_ADDR="10.0.0.1")
        assert client.post(url, {"username": "scs", "password": "demo"}, REMOTE_ADDR="10.0.0.1").status_code == 302


@pytest.mark.django_db(transaction=True)  # flush truncates tables: not inside a test transaction
def test_backup_then_restore_into_an_empty_database_gives_back_every_row_of_every_model(demo_committed, client, tmp_path):
    fill_what_the_demo_leaves_empty(client)
    before = every_row()
    # Every model a backup holds has rows here, so that its round trip is really checked: a new
    # model gets rows in fill_what_the_demo_leaves_empty (or, if it is not data, an exclusion).
    assert [label for label, rows in before.items() if not rows] == []
    entry_before = LogEntry.objects.get(object_repr="nouvelle-agente")
    backup = tmp_path / "sauvegarde.json.gz"
    call_command("backup_data", str(backup), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)  # an empty database, as after `migrate`
    call_command("restore_data", str(backup), stdout=io.StringIO())
    after = every_row()
    assert {label: len(rows) for label, rows in after.items()} == {label: len(rows) for label, rows in before.items()}
    assert after == before
    # The admin's log still says who changed whom: the entry names the same account.
    entry = LogEntry.objects.get(pk=entry_before.pk)
    assert (entry.user.username, entry.get_edited_object().username) == ("admin", "nouvelle-agente")
    assert entry.change_message == "Droits modifiés."


def test_backups_leave_out_only_what_migrate_rebuilds_or_what_is_not_data():
    # The admin's log, the logs of logins and every domain model are in; each exclusion says why.
    assert set(EXCLUDED) == NOT_BACKED_UP
    assert {model._meta.label_lower for model in apps.get_models()} >= NOT_BACKED_UP
    assert all(reason.strip() for reason in EXCLUDED.values())


def test_restore_refuses_a_database_that_is_not_empty(demo, tmp_path):
    backup = tmp_path / "b.json"
    call_command("backup_data", str(backup), stdout=io.StringIO())
    with pytest.raises(CommandError, match="pas vide"):
        call_command("restore_data", str(backup), stdout=io.StringIO())


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_login_is_throttled_by_user_name_and_address(client, demo):
    from axes.utils import reset

    reset()
    url = reverse("portal:login")
    for _ in range(3):
        client.post(url, {"username": "scs", "password": "faux"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(url, {"username": "scs", "password": "demo"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert "Connexion temporairement bloquée" in response.content.decode()
    # The same user from another address, and another user from the same address, still log in.
    assert client.post(url, {"username": "scs", "password": "demo"}, REMOTE_ADDR="10.0.0.2").status_code == 302
    client.logout()
    assert client.post(url, {"username": "asso2", "password": "demo"}, REMOTE_ADDR="10.0.0.1").status_code == 302
    reset()


def test_passwords_are_hashed_with_argon2():
    from django.conf import settings

    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.DEBUG is False


def test_production_settings_pass_the_deploy_check():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.production", "DEBUG": "false",
        "SECRET_KEY": "k3$9vT!pQ2z@Lm8#Rw5^Yh7&Nc4*Bx6(Ds1)Fg0+Jq-Ua=Wi_Oe~Pt%Ar", "ALLOWED_HOSTS": "conventions.example.fr",
    })
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True, text=True, env=env, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
