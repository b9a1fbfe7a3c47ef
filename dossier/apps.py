from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jobs.registry import register


class DossierConfig(AppConfig):
    name = "dossier"
    verbose_name = _("Dossiers de convention")

    def ready(self):
        from dossier.jobs import SIGN, convention_sign_run

        register(SIGN, convention_sign_run)
