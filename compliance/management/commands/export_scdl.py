"""Write the open-data file of signed agreements: ``python manage.py export_scdl [--output FILE]``."""

import io

from django.core.management.base import BaseCommand
from django.utils import timezone

from compliance.opendata import scdl_export, write_scdl_csv
from conventions.services import convention_record_open_data_publication


class Command(BaseCommand):
    help = (
        "Exporte les conventions signées au format SCDL « Subventions » 2.1.1 (CSV UTF-8). Les conventions "
        "auxquelles il manque une donnée obligatoire sont listées au lieu d'être exportées."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="Fichier à écrire (par défaut : la sortie standard).")
        parser.add_argument(
            "--mark-published", action="store_true",
            help="Enregistre la date du jour comme date de publication des conventions exportées qui n'en ont pas.",
        )

    def handle(self, *args, output: str | None = None, mark_published: bool = False, **options):
        export = scdl_export()
        buffer = io.StringIO()
        write_scdl_csv(export, buffer)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as stream:
                stream.write(buffer.getvalue())
            self.stderr.write(f"{len(export.conventions)} convention(s) exportée(s) ({len(export.rows)} ligne(s)) "
                              f"dans {output}.")
        else:
            self.stdout.write(buffer.getvalue(), ending="")
        if export.problems:
            self.stderr.write(self.style.WARNING(
                f"{len(export.problems)} convention(s) signée(s) non exportée(s), données obligatoires manquantes :"))
            for problem in export.problems:
                self.stderr.write(f"  {problem.message}")
        if mark_published:
            count = convention_record_open_data_publication(
                conventions=export.conventions, published_on=timezone.localdate())
            self.stderr.write(f"Date de publication enregistrée pour {count} convention(s).")
