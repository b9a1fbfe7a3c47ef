"""Writes that keep the audit trail (django-simple-history) whole, naming who made them.

A queryset's ``update()`` writes no history at all, and ``bulk_create`` / ``bulk_update`` write
it only through ``simple_history.utils.bulk_create_with_history`` / ``bulk_update_with_history``
(pass ``default_user``). A queryset's ``delete()`` does record each deletion, but can only name
the user of the current web request, never the one a service was given: delete through here.
"""

from django.db import models


def delete_with_history(queryset: models.QuerySet, *, user) -> int:
    """Delete the rows of ``queryset``, each one's audit record naming ``user``; return how many.

    One row at a time, so that meant for small sets (the lines a budget import drops).
    """
    count = 0
    for obj in queryset:
        if user is not None:
            obj._history_user = user
        obj.delete()
        count += 1
    return count
