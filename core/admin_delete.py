"""Delete confirmation pages that stay fast however many rows an object drags along.

Django's admin lists every object a deletion would remove and every object that prevents it,
each printed with ``str()`` and a link: the page of a user referenced by 72,000 status changes
loaded them all and read a foreign key for each (6,528 queries, 12 s). Up to ``LISTED_BOUND``
objects in all, the page is Django's own, unchanged; above, it lists the objects being deleted
and, under them, one line per related model with its count (« 1 234 changements d'état »), and
the first ``PROTECTED_SHOWN`` protected objects then « … et N autres ».

The collector that counts is Django's own ``Collector``: rows that nothing else depends on are
counted by the database (``fast_deletes``), the others are loaded with their keys only, as the
deletion itself would. The deletion (POST) is Django's: it is refused whenever an object is
protected, and this collector finds the protected objects the way Django's does.
"""

import operator
from collections import defaultdict
from decimal import Decimal
from functools import reduce
from itertools import chain, islice

from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import models, router
from django.db.models.deletion import Collector, get_candidate_relations_to_delete
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst

from core.money import format_decimal_fr

#: Up to this many objects deleted and protected in all, the page is Django's nested list.
LISTED_BOUND = 100
#: Above the bound, the protected objects named before « … et N autres ».
PROTECTED_SHOWN = 20


def count_phrase(count: int, opts) -> str:
    """« 1 changement d'état », « 1 234 changements d'état »: French thousands, 0 and 1 singular."""
    name = opts.verbose_name if count < 2 else opts.verbose_name_plural
    return f"{format_decimal_fr(Decimal(count), 0)} {name}"


def others_phrase(count: int) -> str:
    """« … et 1 autre », « … et 1 234 autres »."""
    return f"… et {format_decimal_fr(Decimal(count), 0)} {'autre' if count < 2 else 'autres'}"


def _key_fields(model) -> tuple[str, ...]:
    """The columns the collector reads of a row it loads: its key and those other rows reference.

    The key is named: ``only()`` with no field would load every column.
    """
    return (model._meta.pk.attname, *{rf.attname for rel in get_candidate_relations_to_delete(model._meta)
                                     for rf in rel.field.foreign_related_fields})


class _KeysOnlyQuerySet(models.QuerySet):
    """Rows read with their keys: the collector's own ``only()`` of no field would read them whole."""

    def only(self, *fields):
        return super().only(*fields) if fields else self


class CountingCollector(Collector):
    """Django's ``Collector``, protected and restricted objects gathered as ``NestedObjects`` does.

    Like ``NestedObjects`` (and unlike a deletion) it goes on after a protected object: each
    branch is collected, so every protected object is found. Rows are loaded with the keys the
    collection needs only; leaves are kept as querysets (``fast_deletes``) and counted.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.protected = set()

    def related_objects(self, related_model, related_fields, objs):
        rows = super().related_objects(related_model, related_fields, objs).only(*_key_fields(related_model))
        return _KeysOnlyQuerySet(model=related_model, query=rows.query, using=rows.db)

    def collect(self, objs, source=None, nullable=False, collect_related=True, source_attr=None,
                reverse_dependency=False, keep_parents=False, fail_on_restricted=True):
        try:
            super().collect(objs, source=source, nullable=nullable, collect_related=collect_related,
                            source_attr=source_attr, reverse_dependency=reverse_dependency,
                            keep_parents=keep_parents, fail_on_restricted=fail_on_restricted)
        except models.ProtectedError as error:
            self.protected.update(error.protected_objects)
            # Django stops this level before its leaves; NestedObjects has collected them.
            self._add_leaves(objs)
        except models.RestrictedError as error:
            self.protected.update(error.restricted_objects)

    def _add_leaves(self, objs):
        objs = list(objs)
        if not objs:
            return
        fields = defaultdict(list)
        for related in get_candidate_relations_to_delete(objs[0]._meta):
            if self.can_fast_delete(related.related_model, from_field=related.field):
                fields[related.related_model].append(related.field)
        for related_model, related_fields in fields.items():
            for batch in self.get_del_batches(objs, related_fields):
                self.fast_deletes.append(self.related_objects(related_model, related_fields, batch))

    def model_counts(self) -> dict:
        """Each model's number of rows deleted, in the order collected: loaded and counted alike."""
        counts = {model: len(instances) for model, instances in self.data.items()}
        leaves = defaultdict(list)
        for queryset in self.fast_deletes:
            leaves[queryset.model].append(queryset)
        for model, querysets in leaves.items():
            rows = reduce(operator.or_, querysets)
            if model in self.data:  # rows reached both ways are counted once
                rows = rows.exclude(pk__in=[obj.pk for obj in self.data[model]])
            counts[model] = counts.get(model, 0) + rows.count()
        return {model: count for model, count in counts.items() if count}

    def leaf_rows(self, model):
        return [qs for qs in self.fast_deletes if qs.model is model]


def _per_object_permission(model_admin) -> bool:
    """True when the admin's delete permission may depend on the object (its own method)."""
    return type(model_admin).has_delete_permission is not admin.ModelAdmin.has_delete_permission


class BoundedDeletePagesMixin:
    """A ModelAdmin whose delete pages (the object's and the « Supprimer … » action's) stay bounded."""

    listed_bound = LISTED_BOUND
    protected_shown = PROTECTED_SHOWN

    def get_deleted_objects(self, objs, request):
        objs = list(objs)
        if not objs:
            return super().get_deleted_objects(objs, request)
        collector = CountingCollector(using=router.db_for_write(objs[0]._meta.model), origin=objs)
        collector.collect(objs)
        counts = collector.model_counts()
        if sum(counts.values()) + len(collector.protected) <= self.listed_bound:
            return super().get_deleted_objects(objs, request)  # Django's nested list, with its links
        return (self._deleted_summary(objs, counts), {m._meta.verbose_name_plural: n for m, n in counts.items()},
                self._perms_needed(request, collector, counts), self._protected_summary(collector))

    def _format(self, obj):
        """One object as Django's confirmation page prints it: « Convention : <a>CONV-…</a> »."""
        opts = obj._meta
        if self.admin_site.is_registered(obj.__class__):
            try:
                url = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change", None,
                              (quote(obj.pk),))
            except NoReverseMatch:
                pass
            else:
                return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, obj)
        return f"{capfirst(opts.verbose_name)}: {obj}"

    def _deleted_summary(self, objs, counts):
        shown = [self._format(obj) for obj in objs[:self.listed_bound]]
        if len(objs) > self.listed_bound:
            shown.append(others_phrase(len(objs) - self.listed_bound))
        own = objs[0]._meta.model
        related = [count_phrase(count - (len(objs) if model is own else 0), model._meta)
                   for model, count in counts.items() if count - (len(objs) if model is own else 0) > 0]
        return [*shown, related] if related else shown

    def _protected_summary(self, collector):
        protected = sorted(collector.protected, key=lambda obj: (obj._meta.label, obj.pk))
        first = defaultdict(list)
        for obj in protected[:self.protected_shown]:
            first[obj.__class__].append(obj.pk)
        loaded = {}  # the rows were loaded with their keys only: read each shown one whole, once
        for model, pks in first.items():
            loaded.update({(model, obj.pk): obj for obj in model._base_manager.using(collector.using)
                           .filter(pk__in=pks)})
        shown = [self._format(loaded.get((obj.__class__, obj.pk), obj)) for obj in protected[:self.protected_shown]]
        if len(protected) > self.protected_shown:
            shown.append(others_phrase(len(protected) - self.protected_shown))
        return shown

    def _perms_needed(self, request, collector, counts):
        """Django's ``perms_needed``: the models of which an object listed may not be deleted.

        The permission of a model whose admin keeps Django's own method is asked once; an admin
        that decides object by object is asked for each object, read whole, until one is refused.
        """
        by_model = defaultdict(list)
        for obj in chain(chain.from_iterable(collector.data.values()), collector.protected):
            by_model[obj.__class__].append(obj)
        models_listed = [*by_model, *(m for m in counts if m not in by_model)]
        perms_needed = set()
        for model in models_listed:
            if not self.admin_site.is_registered(model):
                continue
            model_admin = self.admin_site.get_model_admin(model)
            if _per_object_permission(model_admin):
                refused = any(not model_admin.has_delete_permission(request, obj)
                              for obj in self._whole_rows(collector, model, by_model[model]))
            else:  # Django's method reads the model's permission only
                refused = not model_admin.has_delete_permission(request, None)
            if refused:
                perms_needed.add(model._meta.verbose_name)
        return perms_needed

    def _whole_rows(self, collector, model, loaded, chunk=500):
        """The rows of ``model`` that the collection reached, read whole, a chunk at a time."""
        pks = iter([obj.pk for obj in loaded])
        while batch := list(islice(pks, chunk)):
            yield from model._base_manager.using(collector.using).filter(pk__in=batch)
        for queryset in collector.leaf_rows(model):
            yield from queryset.defer(None).iterator(chunk_size=chunk)
