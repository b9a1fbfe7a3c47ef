"""The demo of ``make run`` seeded once per test process, then copied back whenever a test needs it.

Seeding runs the product's own services (validation, audit trail, PDFs): about two seconds on
SQLite, more on PostgreSQL, paid by every module and every committing test that read the demo.
``load_demo()`` seeds it the first time only (and again when the rows it was seeded over changed:
after a committing test's flush), in a savepoint rolled back at once, keeping the rows it wrote
(every table, audit trail included) and the files it stored; then, and every later time,
it writes those rows back with one multi-row INSERT per table, resets PostgreSQL's sequences past
them, and puts back any stored file a test removed. The database holds what ``seed_demo`` leaves,
row for row (``tests/test_seed_demo.py`` seeds again over it and finds nothing to add).
"""

import io
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.test import override_settings


@dataclass(frozen=True)
class Table:
    name: str
    columns: list[str]
    rows: list[tuple]
    replaced: list  # primary keys of rows that existed before the seed and that it changed


@dataclass(frozen=True)
class Snapshot:
    tables: list[Table]
    files: dict[Path, bytes]
    #: Every row the database held before the seed (content types, permissions, the roles' groups…):
    #: the rows copied back refer to them. A committing test's flush deletes them and they come back
    #: with other ids: the snapshot is then taken again.
    baseline: dict[str, dict]


_snapshot: Snapshot | None = None


def _models() -> dict[str, type]:
    found = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            found.setdefault(model._meta.db_table, model)
    return found


def _select(table: str) -> tuple[list[str], list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - a model's table
        return [column[0] for column in cursor.description], [tuple(row) for row in cursor.fetchall()]


def _media_files() -> dict[Path, bytes]:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)]
    return {path: path.read_bytes() for root in roots if root.exists() for path in root.rglob("*") if path.is_file()}


def _state() -> dict[str, dict]:
    """Every row of every table, by primary key."""
    models, state = _models(), {}
    for table, model in models.items():
        columns, rows = _select(table)
        pk = columns.index(model._meta.pk.column)
        state[table] = {row[pk]: row for row in rows}
    return state


def _take() -> Snapshot:
    models = _models()
    before = _state()
    files_before = set(_media_files())
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    tables = []
    for table, model in models.items():
        columns, rows = _select(table)
        pk = columns.index(model._meta.pk.column)
        new = [row for row in rows if before[table].get(row[pk]) != row]
        if new:
            tables.append(Table(table, columns, new, [row[pk] for row in new if row[pk] in before[table]]))
    files = {path: content for path, content in _media_files().items() if path not in files_before}
    return Snapshot(tables, files, before)


def _restore(snapshot: Snapshot) -> None:
    quote = connection.ops.quote_name
    models = _models()
    with connection.cursor() as cursor:
        for table in snapshot.tables:
            pk = quote(models[table.name]._meta.pk.column)
            for key in table.replaced:
                cursor.execute(f"DELETE FROM {quote(table.name)} WHERE {pk} = %s", [key])  # noqa: S608
            columns = ", ".join(quote(column) for column in table.columns)
            row = "(" + ", ".join(["%s"] * len(table.columns)) + ")"
            # Foreign keys are checked at commit (Django creates them deferrable): any table order will do.
            for start in range(0, len(table.rows), 200):
                chunk = table.rows[start:start + 200]
                cursor.execute(f"INSERT INTO {quote(table.name)} ({columns}) VALUES {', '.join([row] * len(chunk))}",  # noqa: S608
                               [value for values in chunk for value in values])
        for statement in connection.ops.sequence_reset_sql(no_style(), [models[t.name] for t in snapshot.tables]):
            cursor.execute(statement)
    for path, content in snapshot.files.items():
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)


def load_demo() -> None:
    """Put the demo of ``make run`` into the (empty) database: seeded the first time, copied after."""
    global _snapshot
    if _snapshot is None or _state() != _snapshot.baseline:
        with transaction.atomic():
            _snapshot = _take()
            transaction.set_rollback(True)
    with transaction.atomic():
        _restore(_snapshot)
