from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jobs.registry import register


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = _("Conformité")

    def ready(self):
        from compliance.jobs import (
            REMINDERS,
            SCDL_CSV,
            SNAPSHOT,
            reminders_run,
            scdl_csv_run,
            snapshot_run,
        )

        register(SCDL_CSV, scdl_csv_run)
        register(REMINDERS, reminders_run)
        register(SNAPSHOT, snapshot_run)
