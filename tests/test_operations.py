"""Operations: backup and restore, login throttling, production settings."""

import io
import os
import subprocess
import sys

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

DOMAIN_APPS = ["conventions", "beneficiaries", "budgets", "indicators", "documents", "finance", "compliance", "auth"]


def row_counts():
    return {
        model._meta.label: model._default_manager.count()
        for app in DOMAIN_APPS for model in apps.get_app_config(app).get_models()
        if model._meta.label != "auth.Permission"
    }


@pytest.mark.django_db(transaction=True)  # flush truncates tables: not inside a test transaction
def test_backup_then_restore_into_an_empty_database_finds_the_same_rows(demo, tmp_path):
    from conventions.models import Convention

    before = row_counts()
    seed_before = Convention.objects.get(reference="AMP-2023-DEVECO-SCS")
    backup = tmp_path / "sauvegarde.json"
    call_command("backup_data", str(backup), stdout=io.StringIO())
    call_command("flush", interactive=False, verbosity=0)  # an empty database, as after `migrate`
    call_command("restore_data", str(backup), stdout=io.StringIO())
    assert row_counts() == before
    seed_after = Convention.objects.get(reference="AMP-2023-DEVECO-SCS")
    assert (seed_after.pk, seed_after.amount_granted, seed_after.status) == (seed_before.pk, seed_before.amount_granted, seed_before.status)
    assert seed_after.budgets.get().lines.count() == 24


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
