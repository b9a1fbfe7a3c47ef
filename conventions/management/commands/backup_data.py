from django.core.management import call_command
from django.core.management.base import BaseCommand

#: Rebuilt by ``migrate``: never saved, never restored.
EXCLUDED = ["contenttypes", "auth.permission", "admin.logentry", "sessions", "axes"]


class Command(BaseCommand):
    help = "Sauvegarde toutes les données (hors fichiers) dans un fichier JSON portable entre SQLite et PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("output", help="Fichier de sauvegarde à écrire (.json ou .json.gz).")

    def handle(self, *args, output, **options):
        call_command(
            "dumpdata", natural_foreign=True, natural_primary=True, exclude=EXCLUDED, output=output, indent=None,
            verbosity=0,
        )
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde écrite dans {output}."))
