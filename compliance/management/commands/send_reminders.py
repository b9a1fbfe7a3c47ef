"""Send the reminders due today: ``python manage.py send_reminders`` (daily, from cron)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from compliance.reminders import reminders_report, reminders_send


class Command(BaseCommand):
    help = (
        "Crée les pièces attendues des conventions signées, puis envoie les rappels dus (30 et 7 jours "
        "avant l'échéance, puis une fois en retard). Idempotente : peut être lancée chaque jour par cron."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Date du jour à simuler, au format AAAA-MM-JJ (par défaut : aujourd'hui).")
        parser.add_argument("--dry-run", action="store_true", help="Affiche les rappels dus sans rien envoyer ni enregistrer.")

    def handle(self, *args, date: str | None = None, dry_run: bool = False, **options):
        today = self._parse_date(date) if date else timezone.localdate()
        run = reminders_send(today=today, dry_run=dry_run)
        styles = {"warning": self.style.WARNING, "error": self.style.ERROR}
        for line in reminders_report(run, today=today, dry_run=dry_run):
            stream = self.stderr if line.level == "error" else self.stdout
            stream.write(styles[line.level](line.text) if line.level in styles else line.text)
        if run.errors:
            raise CommandError("Des rappels n'ont pas pu être envoyés ; ils le seront au prochain passage.")

    @staticmethod
    def _parse_date(value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise CommandError(f"Date invalide « {value} » : le format attendu est AAAA-MM-JJ.") from exc
