from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "deliberations"
    verbose_name = _("Délibérations")

    def ready(self):
        from deliberations import locks

        locks.connect()
