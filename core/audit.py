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


def fit_change_reason(sender, history_instance, **kwargs):
    """Cut an audit record's reason to its column (``pre_create_historical_record``, core.apps).

    The services give the comment typed with an action as its reason (a transition, a budget
    sent back, a document refused); django-simple-history keeps reasons in 100 characters.
    SQLite stored a longer one whole; PostgreSQL refused it, and the action was a server error.
    The comment itself is kept whole where it belongs (the status change, the review comment).
    """
    reason = history_instance.history_change_reason
    limit = history_instance._meta.get_field("history_change_reason").max_length
    if reason and limit and len(reason) > limit:
        history_instance.history_change_reason = reason[: limit - 1] + "…"
