from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jobs.registry import register


class DeliberationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deliberations"
    verbose_name = _("Délibérations")

    def ready(self):
        from deliberations import jobs, locks

        locks.connect()
        register(jobs.ANNEX_PDF, jobs.annex_pdf_run)
        register(jobs.LETTERS_PDF, jobs.letters_pdf_run)
