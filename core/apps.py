from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

import core.lookups  # noqa: F401  (registers the integer ``in`` lookup that ignores impossible ids)


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Socle")

    def ready(self):
        from django.db.models.signals import post_migrate
        from simple_history.signals import pre_create_historical_record

        from core.audit import fit_change_reason
        from core.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, dispatch_uid="core.roles.sync_role_groups")
        pre_create_historical_record.connect(fit_change_reason, dispatch_uid="core.audit.fit_change_reason")
