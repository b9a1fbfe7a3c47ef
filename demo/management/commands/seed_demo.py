from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from compliance.snapshot import latest_snapshot, snapshot_compute
from demo.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Charge les données de démonstration (convention 2023 Métropole ↔ Pôle SCS et comptes de démonstration)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refuse de s'exécuter quand DEBUG est désactivé : "
                "les comptes de démonstration ont un mot de passe connu de tous."
            )
        accounts = load_demo()
        if latest_snapshot() is None:  # the dashboard's computed state, as the daily cron leaves it
            snapshot_compute()
        self.stdout.write(self.style.SUCCESS("Données de démonstration chargées."))
        self.stdout.write("")
        self.stdout.write("  Espace des agents (admin) : http://127.0.0.1:8000/admin/")
        self.stdout.write("  Portail des associations  : http://127.0.0.1:8000/portail/")
        self.stdout.write("")
        self.stdout.write(f"  Comptes de démonstration (mot de passe « {DEMO_PASSWORD} ») :")
        for account in accounts:
            self.stdout.write(f"    {account.username:<8} {account.description}")
