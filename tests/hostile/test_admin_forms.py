"""Every ModelAdmin of admin.site: its add page and the change page of a demo object, posted by
the superuser and by an agent, each field in turn replaced with hostile values."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.hostile.harness import AGENT_RUN, Probe, family, targets

MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)
_CHOSEN: dict[str, int] = {}


def _change_url(model, pk):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])


def _richest_object(client, model):
    """Among a few demo objects, the one whose change form has the most kinds of fields (and,
    of two alike, the fewer rows): the most coverage for the fewest rendered fields. Kept by
    rank, not by id: the demo may be loaded again, with other ids on PostgreSQL."""
    pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
    if not pks:
        return None
    if model._meta.label not in _CHOSEN:
        best_key = None
        for rank in sorted({0, len(pks) // 2, len(pks) - 1}):
            fields = [f.name for t in targets(client, _change_url(model, pks[rank])) for f in t.form.editable]
            key = (len({family(name) for name in fields}), -len(fields))
            if best_key is None or key > best_key:
                _CHOSEN[model._meta.label], best_key = rank, key
    return model._default_manager.get(pk=pks[_CHOSEN[model._meta.label]])


@pytest.mark.parametrize("username", ["admin", "agent"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_an_admin_form_refuses_hostile_input_without_a_server_error(client, demo_db, model, username):
    client.force_login(get_user_model().objects.get(username="admin"))
    chosen = _richest_object(client, model)
    client.force_login(get_user_model().objects.get(username=username))
    pages = [(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"), [])]
    if chosen is not None:
        pages.append((_change_url(model, chosen.pk), [chosen]))
    probe = Probe(client)
    for page, objects in pages:
        response = probe.get(page, "the page itself")
        if response is None or response.status_code != 200:
            continue  # not allowed (403, in French) or sent elsewhere: nothing to post
        for target in targets(client, page, objects):
            # The agent sees the same forms, fewer of them: a few rounds prove its own refusals.
            probe.run(target, **({} if username == "admin" else AGENT_RUN))
    probe.assert_clean()
