"""Send the daily digest: one email per user who chose it, listing their queued notices (run it daily)."""

from django.core.management.base import BaseCommand

from beneficiaries.notify import digest_send


class Command(BaseCommand):
    help = "Envoie à chaque utilisateur ayant choisi « un résumé par jour » un courriel avec ses notifications en attente."

    def handle(self, *args, **options):
        sent = digest_send()
        self.stdout.write(f"{sent} résumé(s) envoyé(s).")
