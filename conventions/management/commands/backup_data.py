"""``backup_data``: every row of the database in one JSON file that ``restore_data`` loads back.

Ids are kept (the admin's log names objects by id, users and groups included); foreign keys to
content types and permissions, rebuilt by ``migrate``, are written as natural keys. Date-times
keep their microseconds (Django's JSON encoder keeps milliseconds only).
"""

import datetime
import gzip

from django.apps import apps
from django.core import serializers
from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

#: The only models left out of a backup, each with its reason. Every other model of every
#: installed app is saved, a new one included, so that ``restore_data`` gives back the same rows
#: (``tests/test_operations.py`` checks every model's rows after a round trip).
EXCLUDED = {
    "contenttypes.contenttype": "rebuilt by migrate; rows point to content types by natural key",
    "auth.permission": "rebuilt by migrate; grants point to permissions by natural key",
    "sessions.session": "logins in progress, not data: after a restore everybody logs in again, "
                        "and a backup file holds no key to anyone's open session",
    "axes.accessattempt": "failure counters of the last minutes: a restored site starts with no "
                          "account locked (the logs of logins and of failures are kept)",
    "axes.accessattemptexpiration": "the expiry of those failure counters",
    "django_tasks_database.dbtaskresult": "the queue of the background workers: a restored site starts "
                                          "with an empty queue",
    "jobs.job": "files made on request (a batch PDF…), made again on request; their files are not in "
                "the backup either",
    "compliance.compliancesnapshot": "the dashboard's computed overdue items, dependency and open-data summary, "
                                     "computed again from the data (daily, or « Recalculer maintenant »)",
}


def backed_up_models() -> list[type[models.Model]]:
    """Return every concrete model of the installed apps that a backup holds."""
    return [
        model for model in apps.get_models()
        if not model._meta.proxy and model._meta.label_lower not in EXCLUDED
    ]


class ExactJSONEncoder(DjangoJSONEncoder):
    """Django's JSON encoder, with date-times and times to the microsecond."""

    def default(self, o):
        if isinstance(o, datetime.datetime) or (isinstance(o, datetime.time) and o.utcoffset() is None):
            return o.isoformat()
        return super().default(o)


def backup_write(stream) -> None:
    """Write every backed-up row to ``stream`` as JSON, rows referred to by natural key first."""
    ordered = serializers.sort_dependencies([(None, backed_up_models())], allow_cycles=True)

    def rows():
        for model in ordered:
            # The base manager: a default manager that hides rows would leave them out.
            yield from model._base_manager.order_by(model._meta.pk.name).iterator()

    serializers.serialize("json", rows(), stream=stream, cls=ExactJSONEncoder, use_natural_foreign_keys=True)


class Command(BaseCommand):
    help = "Sauvegarde toutes les données (hors fichiers) dans un fichier JSON portable entre SQLite et PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("output", help="Fichier de sauvegarde à écrire (.json ou .json.gz).")

    def handle(self, *args, output, **options):
        opener = gzip.open if output.endswith(".gz") else open
        with opener(output, "wt", encoding="utf-8") as stream:
            backup_write(stream)
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde écrite dans {output}."))
