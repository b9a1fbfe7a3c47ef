import gzip
import json
import tempfile
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from conventions.models import Convention
from core.model_moves import MOVED_MODELS


def relabel_moved_models(objects: list[dict]) -> list[dict]:
    """Rewrite a backup made before models changed app (``core.model_moves``) to today's labels.

    The model of each row, the natural keys of permissions (``[codename, app, model]``) in the
    groups' and users' grants, and those of content types (``[app, model]``, in the admin's log
    entries) name the app the model belongs to now.
    """
    for obj in objects:
        obj["model"] = MOVED_MODELS.get(obj["model"], obj["model"])
        content_type = obj.get("fields", {}).get("content_type")
        if isinstance(content_type, list):
            label = MOVED_MODELS.get(".".join(content_type))
            if label:
                obj["fields"]["content_type"] = label.split(".")
        for name in ("permissions", "user_permissions"):
            grants = obj.get("fields", {}).get(name)
            if grants:
                for grant in grants:
                    label = MOVED_MODELS.get(f"{grant[1]}.{grant[2]}")
                    if label:
                        grant[1] = label.split(".")[0]
    return objects


def create_named_content_types(objects: list[dict]) -> None:
    """Create the content types the backup's rows name but ``migrate`` did not (a model removed
    since, still named by old log entries), so that those rows come back as they were."""
    content_types = apps.get_model("contenttypes", "ContentType")
    named = {tuple(obj["fields"]["content_type"]) for obj in objects
             if isinstance(obj.get("fields", {}).get("content_type"), list)}
    for app_label, model in named:
        content_types.objects.get_or_create(app_label=app_label, model=model)


def _read(path: str) -> list[dict]:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


class Command(BaseCommand):
    help = "Restaure une sauvegarde faite par backup_data dans une base vide (migrée)."

    def add_arguments(self, parser):
        parser.add_argument("input", help="Fichier écrit par backup_data.")

    def handle(self, *args, input, **options):
        if Convention.objects.exists() or apps.get_model("auth", "User").objects.exists():
            raise CommandError("La base n'est pas vide : restaurez dans une base neuve (créée puis migrée).")
        try:
            objects = relabel_moved_models(_read(input))
        except (OSError, ValueError) as error:
            raise CommandError(f"Sauvegarde illisible : {error}") from error
        with tempfile.TemporaryDirectory() as folder:
            relabelled = Path(folder) / "sauvegarde.json"
            relabelled.write_text(json.dumps(objects), encoding="utf-8")
            with transaction.atomic():
                # Groups created by the migrations' hook come back from the backup, with their ids.
                apps.get_model("auth", "Group").objects.all().delete()
                create_named_content_types(objects)
                call_command("loaddata", str(relabelled), verbosity=0)
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde {input} restaurée."))
