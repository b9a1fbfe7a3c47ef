from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Recherche")

    def ready(self):
        from search.text import register_sqlite_fold

        connection_created.connect(register_sqlite_fold, dispatch_uid="search.register_sqlite_fold")
