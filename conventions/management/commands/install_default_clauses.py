from django.core.management.base import BaseCommand, CommandError

from conventions.clauses.services import clause_template_install
from conventions.clauses.texts import DEFAULT_NAME, DEFAULT_SECTIONS
from conventions.models import Funder


class Command(BaseCommand):
    help = (
        "Publie le modèle de convention par défaut (préambule, articles 1 à 13) pour une collectivité, "
        "sauf si sa version en vigueur est déjà ce texte."
    )

    def add_arguments(self, parser):
        parser.add_argument("siret", help="SIRET de la collectivité attribuante")

    def handle(self, *args, siret, **options):
        funder = Funder.objects.filter(siret=siret).first()
        if funder is None:
            raise CommandError(f"Aucune collectivité n'a le SIRET {siret}.")
        template = clause_template_install(funder=funder, sections=DEFAULT_SECTIONS, name=DEFAULT_NAME)
        self.stdout.write(self.style.SUCCESS(f"{funder} : modèle de clauses en vigueur, version {template.version}."))
