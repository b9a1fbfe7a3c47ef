"""Accent- and case-insensitive text: « societe » finds « Société », « POLE » finds « Pôle ».

One rule, ``fold``, applied on both sides of every comparison: in Python to what the user typed,
in SQL to the column (``Folded``). On PostgreSQL the column is folded by ``lower(unaccent(…))``
(the ``unaccent`` extension, migration 0001); on SQLite by the same Python ``fold``, registered on
each connection as the SQL function ``search_fold``. Registering the function is the simplest
correct choice on SQLite: no stored normalised column to keep in sync through every save,
service and import, and no bounded candidate set that could miss a match beyond its bound.
"""

import unicodedata

from django.db.models import Func, TextField

SQLITE_FUNCTION = "search_fold"

#: Letters NFKD does not decompose but ``unaccent`` rewrites: both sides must agree.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "’": "'"})


def fold(value) -> str:
    """Return ``value`` without accents, lower-cased (« Pôle Société » → « pole societe »)."""
    text = str(value or "").translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def register_sqlite_fold(sender, connection, **kwargs):
    """Give each SQLite connection the SQL function ``search_fold`` (``fold`` itself)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)


class Folded(Func):
    """A text column folded as ``fold`` folds the query: ``lower(unaccent(x))`` or ``search_fold(x)``."""

    output_field = TextField()
    function = SQLITE_FUNCTION
    arity = 1

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="lower(unaccent(%(expressions)s::text))",
                           **extra_context)


class Unaccent(Func):
    """PostgreSQL's ``unaccent(x)``, for the full-text vector (``to_tsvector`` lower-cases itself)."""

    output_field = TextField()
    function = "unaccent"
    arity = 1
