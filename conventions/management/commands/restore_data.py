from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from conventions.models import Convention


class Command(BaseCommand):
    help = "Restaure une sauvegarde faite par backup_data dans une base vide (migrée)."

    def add_arguments(self, parser):
        parser.add_argument("input", help="Fichier écrit par backup_data.")

    def handle(self, *args, input, **options):
        if Convention.objects.exists() or apps.get_model("auth", "User").objects.exists():
            raise CommandError("La base n'est pas vide : restaurez dans une base neuve (créée puis migrée).")
        with transaction.atomic():
            # Groups created by the migrations' hook come back from the backup, with their ids.
            apps.get_model("auth", "Group").objects.all().delete()
            call_command("loaddata", input, verbosity=0)
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde {input} restaurée."))
