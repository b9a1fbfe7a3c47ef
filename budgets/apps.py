from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jobs.registry import register


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = _("Budgets (Cerfa)")

    def ready(self):
        from budgets.jobs import YEAR_EXPORT, year_export_run

        register(YEAR_EXPORT, year_export_run)
