"""The audit trail in the staff admin: who, when and what changed, old → new, in French.

Every domain admin (``admin_base.DomainAdmin``) shows the object's own history with the
differences between versions, values written the French way (« 32 000,00 », « 31/12/2023 »,
choice labels, « oui » / « non »). The rows edited with the object — a budget's lines, a
report's figures, an agreement's articles... — are listed below it (``ChildHistory``): their
history records name their parent, even once the row is deleted. Nothing here writes: audit
records are read-only in the application.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper, ObjDiffDisplay

from core.money import format_decimal_fr

#: What each kind of history record means, as staff read it.
ACTIONS = {"+": "Création", "~": "Modification", "-": "Suppression"}
EMPTY = "—"


def display_value(field: models.Field, value) -> str:
    """Return one recorded value of ``field`` as a French reader expects it."""
    if isinstance(value, DeletedObject):
        return _("%(name)s n° %(pk)s (supprimé)") % {"name": capfirst(value.model._meta.verbose_name), "pk": value.pk}
    if value is None or value == "":
        return EMPTY
    if field.choices and not field.is_relation:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, Decimal):
        places = field.decimal_places if isinstance(field, models.DecimalField) else max(-value.as_tuple().exponent, 0)
        return format_decimal_fr(value, places)
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "d/m/Y H:i")
    if isinstance(value, date):
        return date_format(value, "d/m/Y")
    return str(value)


class FrenchDiffDisplay(ObjDiffDisplay):
    """Long texts shortened around what changed, the skipped part said in French."""

    def __init__(self, max_length: int = 80):
        super().__init__(max_length=max_length, placeholder_len=22)  # « [… 1234 caractères …] »

    def shortened_str(self, prefix: str, num_skipped_chars: int, suffix: str) -> str:
        return f"{prefix}[… {num_skipped_chars} caractères …]{suffix}"


class FrenchHistoryContext(HistoricalRecordContextHelper):
    """simple_history's « Changes » column, with the values written the French way."""

    def get_obj_diff_display(self) -> ObjDiffDisplay:
        return FrenchDiffDisplay(max_length=self.max_displayed_delta_change_chars)

    def context_for_delta_changes(self, delta):
        order = {field.name: index for index, field in enumerate(self.model._meta.fields)}
        delta.changes.sort(key=lambda change: order.get(change.field, len(order)))  # the form's order
        return super().context_for_delta_changes(delta)

    def prepare_delta_change_value(self, change, value):
        return display_value(self.model._meta.get_field(change.field), value)


def _shorten(text: str) -> str:
    return conditional_escape(FrenchDiffDisplay(max_length=100).common_shorten_repr(text)[0])


@dataclass(frozen=True)
class ChildHistory:
    """Rows edited with a parent object whose history is listed on the parent's history page."""

    model: str  # "app_label.ModelName"
    parent_field: str  # the row's foreign key to the parent
    title: str  # French heading of the list
    label: Callable | None = None  # historical record -> what the row is; default: str of the row
    select_related: tuple[str, ...] = ()  # what ``label`` reads, fetched in the same query
    excluded_fields: tuple[str, ...] = ()
    limit: int = 500  # the most recent changes shown

    def entries(self, parent_pk) -> dict:
        """Return the rows' changes, newest first: who, when, which row, what (old → new).

        One query. A change that touches no shown field (a row re-saved as it was) is left out:
        the parent's own history says who saved it and why.
        """
        model = apps.get_model(self.model)
        history_model = model.history.model
        excluded = {self.parent_field, *self.excluded_fields}
        fields = [f for f in history_model.tracked_fields if f.editable and f.name not in excluded]
        names = [f.name for f in fields]
        pk_name = model._meta.pk.attname
        fields = [f for f in fields if f.attname != pk_name]
        records = list(
            history_model.objects.filter(**{f"{self.parent_field}_id": parent_pk})
            .select_related("history_user", *self.select_related)
            .order_by("history_date", "history_id")
        )
        previous_of, entries = {}, []
        for record in records:
            row_pk = getattr(record, pk_name)
            previous = previous_of.get(row_pk)
            previous_of[row_pk] = record
            if record.history_type == "~" and previous is not None:
                delta = record.diff_against(previous, included_fields=names, foreign_keys_are_objs=True)
                changes = FrenchHistoryContext(model, record).context_for_delta_changes(delta)
                if not changes:
                    continue
            else:  # created, deleted (or changed without a known earlier state): the values it had
                changes = [
                    {"field": capfirst(f.verbose_name), "old": None,
                     "new": _shorten(display_value(f, getattr(record, f.attname)))}
                    for f in fields if not f.is_relation and getattr(record, f.attname) not in (None, "")
                ]
            entries.append({
                "record": record,
                "date": record.history_date,
                "user": record.history_user,
                "action": ACTIONS.get(record.history_type, record.history_type),
                "reason": record.history_change_reason or "",
                "label": self.label(record) if self.label else str(record.history_object),
                "changes": changes,
            })
        entries.reverse()
        return {
            "title": self.title,
            "entries": entries[: self.limit],
            "truncated": len(entries) > self.limit,
            "limit": self.limit,
        }
