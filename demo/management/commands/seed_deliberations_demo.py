from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from conventions.models import Funder
from demo.demo import load_demo
from demo.demo_deliberations import load_deliberations_demo


class Command(BaseCommand):
    help = ("Charge la démonstration, puis une délibération du Bureau votant huit subventions de la campagne "
            "« Cohésion sociale 2027 » (conventions en brouillon, lettres de notification et de refus).")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_deliberations_demo refuse de s'exécuter quand DEBUG est désactivé : "
                               "les comptes de démonstration ont un mot de passe connu de tous.")
        load_demo()
        users = {user.username: user for user in get_user_model().objects.filter(username__in=["admin", "agent"])}
        deliberation = load_deliberations_demo(Funder.objects.get(siret="20005480700017"), users)
        if deliberation is None:
            self.stdout.write("La délibération de démonstration est déjà chargée.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Délibération de démonstration chargée : {deliberation}."))
