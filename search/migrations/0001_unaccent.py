from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """The ``unaccent`` extension for accent-insensitive search; a no-op on SQLite (Django's
    ``CreateExtension`` only runs on PostgreSQL)."""

    dependencies = []

    operations = [UnaccentExtension()]
