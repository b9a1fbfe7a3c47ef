from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jobs.registry import register


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("Versements")

    def ready(self):
        from finance.jobs import BATCH_PDF, payment_requests_pdf_run

        register(BATCH_PDF, payment_requests_pdf_run)
