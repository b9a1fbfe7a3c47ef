from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _

from search.text import register_sqlite_fold


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Recherche")

    def ready(self):
        # SQLite's accent-insensitive comparison (search.text): the SQL function on each connection.
        connection_created.connect(register_sqlite_fold, dispatch_uid="search.register_sqlite_fold")
