"""Take back the jobs whose worker died, then delete old finished jobs and their files:
``python manage.py jobs_maintenance`` (every 10 minutes, from cron)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from jobs.services import jobs_prune, jobs_reclaim


class Command(BaseCommand):
    help = (
        "Remet en attente les travaux en arrière-plan dont le serveur s'est arrêté (ou les met en échec après "
        "trop d'essais), puis supprime les travaux terminés depuis plus de JOBS_RETENTION_DAYS jours et leurs "
        "fichiers. Sans risque : peut être lancée par cron toutes les 10 minutes, par plusieurs serveurs à la fois."
    )

    def handle(self, *args, **options):
        reclaimed = jobs_reclaim()
        self.stdout.write(f"Travaux interrompus (serveur arrêté), remis en attente ou mis en échec : {reclaimed}")
        pruned = jobs_prune()
        self.stdout.write(f"Travaux terminés depuis plus de {settings.JOBS_RETENTION_DAYS} jours supprimés, "
                          f"avec leurs fichiers : {pruned}")
