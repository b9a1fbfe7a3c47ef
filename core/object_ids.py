"""Identifiers that arrive as text (an address, a posted choice): which can name a row."""

from django.core.exceptions import ValidationError
from django.db import connection


def parse_object_id(model, text):
    """Return ``text`` as a primary key of ``model``, or None when no row can have it.

    « abc », « 1.5 », a NUL, five thousand digits (past Python's limit for turning digits into
    an integer) or a number the column cannot hold all give None: the caller answers « not
    found » instead of letting the query fail.
    """
    field = model._meta.pk
    try:
        value = field.to_python(text)
    except ValidationError:
        return None
    if isinstance(value, int):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if (low is not None and value < low) or (high is not None and value > high):
            return None
    return value
