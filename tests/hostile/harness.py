"""Send hostile values through a page's forms and check what comes back.

The property, for every request: never a server error (5xx) nor Django's debug page; a refusal
(the form again with its errors, or a French 400/403/404 page) changes nothing in the database
(row counts of every table and every column of the edited objects); a redirection (the form
was valid) stored no control or bidirectional character.

Each request runs in a savepoint rolled back afterwards, so every case starts from the same
data, and the failures of a whole form are reported together, each with the field, the value
and the exception.
"""

import re
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import urlencode

from django import forms
from django.apps import apps
from django.contrib.admin.helpers import AdminForm, InlineAdminFormSet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import values as hv
from tests.hostile.html_forms import HtmlForm, post_forms
from tests.samples import pdf_bytes

#: Characters that no stored text may hold (the form must refuse them): NUL, C0 and C1 controls
#: but tab and line breaks, DEL, bidirectional embeddings, overrides and isolates.
FORBIDDEN = {chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0),
                              *range(0x202A, 0x202F), *range(0x2066, 0x206A)]}
#: Fields whose value a browser sends as the page shows it and which a forger alone changes.
COUNTERS = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")
#: How an agent's pages are run: the superuser's run of the same forms sends the full set; the
#: agent's proves its own refusals (what it may not do) in a few rounds.
AGENT_RUN = {"rounds": 2, "examples": False, "extras": False}
#: Past this many fields, a form is mostly formset rows, each costly to show again.
BIG_FORM = 100
REFUSALS = {400: "Requête invalide", 403: "Accès refusé", 404: "Page introuvable", 410: None}


def _all_models():
    return [m for m in apps.get_models() if not m._meta.proxy and m._meta.managed]


def row_counts() -> dict[str, int]:
    """Every table's row count, in one query; the sessions aside (a visitor's first request
    opens one, and that is no change to the data)."""
    quote = connection.ops.quote_name
    tables = sorted({m._meta.db_table for m in _all_models()} - {"django_session"})
    # Table names from the model registry, quoted: no outside text reaches this query.
    sql = " UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM {quote(t)}" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def rows_of(objects: Iterable[models.Model]) -> list[dict]:
    return [type(o)._base_manager.filter(pk=o.pk).values().first() for o in objects]


def stored_forbidden_characters() -> list[str]:
    """Where a stored text holds a forbidden character: ``model.field #pk``."""
    found = []
    for model in _all_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]
        if not names:
            continue
        for pk, *texts in model._base_manager.values_list("pk", *names):
            for name, text in zip(names, texts, strict=True):
                if text and not FORBIDDEN.isdisjoint(text):
                    found.append(f"{model._meta.label}.{name} #{pk}")
    return found


def error_names(response) -> set[str] | None:
    """The HTML names of the fields shown with an error (``__all__``: an error of a whole form),
    read from the forms of the response's context; None when the page shows no form."""
    if response.context is None:
        return None
    found: list = []
    for context in response.context:
        for layer in context.dicts:
            for item in layer.values():
                if isinstance(item, AdminForm):
                    found.append(item.form)
                elif isinstance(item, InlineAdminFormSet):
                    found.append(item.formset)
                elif isinstance(item, forms.BaseForm | forms.BaseFormSet):
                    found.append(item)
                elif isinstance(item, list) and item and isinstance(item[0], InlineAdminFormSet):
                    found.extend(inline.formset for inline in item)
                elif isinstance(item, list) and item and isinstance(item[0], forms.BaseForm):
                    found.extend(item)
    if not found:
        return None
    names = set()
    for form in found:
        subforms = [form]
        if isinstance(form, forms.BaseFormSet):
            if not form.is_bound:
                continue
            if not form.management_form.is_valid() or form.non_form_errors():
                names.add("__all__")
            subforms = form.forms if form.management_form.is_valid() else []
        for sub in subforms:
            if not sub.is_bound:
                continue
            for name in sub.errors:
                names.add("__all__" if name == "__all__" else sub.add_prefix(name))
    return names


@dataclass
class Target:
    """A form of a page, the objects it edits (whose other columns must not change)."""

    page: str
    form: HtmlForm
    objects: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.form.action if self.form.action == self.page else f"{self.page} → {self.form.action}"


def targets(client, page: str, objects=(), status=200) -> list[Target]:
    """The POST forms of ``page`` as ``client`` sees it (the logout button aside)."""
    response = client.get(page)
    assert response.status_code == status, f"{page}: {response.status_code}"
    if status != 200 or not response.get("Content-Type", "").startswith("text/html"):  # a download holds no form
        return []
    html = response.content.decode()
    return [Target(page, form, list(objects)) for form in post_forms(html, page)
            if not form.action.rstrip("/").endswith(("logout", "deconnexion"))]


def family(name: str) -> str:
    """The same field in every row of a formset: ``lines-3-amount`` → ``lines-*-amount``."""
    return re.sub(r"-\d+-", "-*-", name)


def _schedule(fields, lists) -> dict[str, list[str]]:
    """The value each field gets at each round: every field of a family (the rows of a formset)
    takes the next values of the family's list, so that the family meets all its values in few
    rounds; families start at different places, so that no round sends one value everywhere."""
    families: dict[str, list] = {}
    for item in fields:
        families.setdefault(family(item.name), []).append(item)
    schedule = {}
    for start, members in enumerate(families.values()):
        values = lists[members[0].name]
        rounds = -(-len(values) // len(members))
        for row, item in enumerate(members):
            schedule[item.name] = [values[(start + i * len(members) + row) % len(values)] for i in range(rounds)]
    return schedule


class Probe:
    """Posts hostile variants of forms and collects every broken promise."""

    def __init__(self, client):
        self.client = client
        self.failures: list[str] = []
        self.requests = 0
        self._counts: dict | None = None
        self._rows: list | None = None
        self._baseline_of = None
        self._stored_before: set = set()

    def _baseline(self, target):
        """What the database holds before ``target``'s requests. Every request is rolled back,
        so the row counts are taken once for the whole probe, the edited objects once a target."""
        if self._counts is None:
            self._counts = row_counts()
            self._stored_before = set(stored_forbidden_characters())
        if self._baseline_of is not target:
            self._rows, self._baseline_of = rows_of(target.objects), target

    # -- one request ------------------------------------------------------------------------

    def send(self, target: Target, data: dict[str, list[str]], what: str, files: dict | None = None,
             follow: bool = False):
        """Post ``data`` to the target's action in a savepoint; check and roll back. Return the
        response (None when the request raised). ``follow``: once saved, open the page the form
        leads to, which shows what was stored."""
        if not all(hv.sendable(v) for values in data.values() for v in values):
            return None
        self.requests += 1
        self._baseline(target)
        with transaction.atomic():
            response = None
            try:
                response = self._post(target, data, files)
            except Exception as exc:  # the test client re-raises what the view raised: a 500
                frame = traceback.extract_tb(exc.__traceback__)[-1]
                self.fail(target, what, f"exception {type(exc).__name__}: {str(exc)[:160]} "
                                        f"(at {frame.filename.rsplit('/', 2)[-2:]}:{frame.lineno})")
            else:
                self._check(target, response, what, data)
                if follow and response.status_code == 302:
                    self._follow(target, response["Location"], what)
            transaction.set_rollback(True)
        return response

    def _follow(self, target, location, what):
        try:
            shown = self.client.get(location)
        except Exception as exc:
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            self.fail(target, what, f"saved, then {location} raised {type(exc).__name__}: {str(exc)[:160]} "
                                    f"(at {frame.filename.rsplit('/', 2)[-2:]}:{frame.lineno})")
            return
        problem = self._page_problem(shown, "GET")
        if problem:
            self.fail(target, what, f"saved, then {location}: {problem}")

    def get(self, url: str, what: str):
        """GET ``url`` (a list with hostile parameters): never a 5xx, refusals in French."""
        self.requests += 1
        with transaction.atomic():
            try:
                response = self.client.get(url)
            except Exception as exc:
                frame = traceback.extract_tb(exc.__traceback__)[-1]
                self.failures.append(f"GET {url[:120]!r} {what}: exception {type(exc).__name__}: "
                                     f"{str(exc)[:160]} (at {frame.filename.rsplit('/', 2)[-2:]}:{frame.lineno})")
                response = None
            else:
                problem = self._page_problem(response, "GET")
                if problem:
                    self.failures.append(f"GET {url[:120]!r} {what}: {problem}")
            transaction.set_rollback(True)
        return response

    def _post(self, target, data, files):
        action = target.form.action
        if target.form.enctype == "multipart/form-data" or files:
            payload = {k: (v if len(v) > 1 else v[0]) for k, v in data.items()}
            return self.client.post(action, {**payload, **(files or {})})
        return self.client.post(action, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded")

    def _page_problem(self, response, method="POST") -> str | None:
        status = response.status_code
        body = response.content.decode(errors="replace") if not response.streaming else ""
        if status >= 500:
            return f"server error {status}"
        if "<code>DEBUG = True</code>" in body or 'id="traceback"' in body:
            return "Django's debug page"
        if status in REFUSALS:
            page = unescape(body)
            if '<html lang="fr">' not in page or (REFUSALS[status] or "") not in page:
                return f"{status} without the French page"
        elif status == 405 and method == "GET":
            return None  # a button's address, opened: it only takes a POST
        elif status not in (200, 301, 302):
            return f"unexpected status {status}"
        return None

    def _check(self, target, response, what, data):
        problem = self._page_problem(response)
        if problem:
            self.fail(target, what, problem)
            return
        if response.status_code in (301, 302):
            if all(FORBIDDEN.isdisjoint(v) for values in data.values() for v in values):
                return
            stored = [place for place in stored_forbidden_characters() if place not in self._stored_before]
            if stored:
                self.fail(target, what, f"accepted and stored a forbidden character in {', '.join(stored[:3])}")
            return
        # A refusal, or the form shown again: nothing may have changed.
        counts, rows = row_counts(), rows_of(target.objects)
        if counts != self._counts:
            changed = sorted(t for t in counts if counts[t] != self._counts.get(t))
            self.fail(target, what, f"refused ({response.status_code}) but rows changed in {changed}")
        elif rows != self._rows:
            self.fail(target, what, f"refused ({response.status_code}) but the edited object changed")

    def fail(self, target, what, problem):
        self.failures.append(f"{target.label} {what}: {problem}")

    # -- a whole form -----------------------------------------------------------------------

    def run(self, target: Target, *, rounds: int | None = None, examples: bool = True, extras: bool = True):
        """Post ``target``'s form with hostile values: every field gets the values of its kind,
        one a round (``rounds`` at most); the formset counters and « delete » ticks apart; what
        the middleware refuses in a few fields; hostile names for its files; then hypothesis'
        ``examples``. Without ``extras``, the refusals common to every form (middleware, files)
        are left to another run of the same form. Every answer is checked (``_check``)."""
        form = target.form
        base = form.data()
        editable = [f for f in form.editable if "__prefix__" not in f.name]
        # The formset counters and hidden ids, apart: a wrong counter stops a formset before its
        # rows are read, and a ticked « delete » before they are validated.
        plumbing = [f for f in editable if f.name.endswith(COUNTERS) or f.name.endswith("-DELETE")]
        typed = [f for f in editable if f not in plumbing]
        lists = {f.name: hv.PLUMBING if f in plumbing else hv.values_for(f.kind, f.value, f.classes)
                 for f in editable}
        submits = form.submits or [None]
        # Saved, the object is shown again: « save and continue » shows what was stored.
        keep_editing = next((s for s in form.submits if s[0] == "_continue"), submits[0])
        # Values a field accepts go on to the save only if the form, as shown, saves at all (an
        # empty « add » form does not: its required fields are empty).
        saves = self.send(target, base, "as shown")
        saves = saves is not None and saves.status_code in (301, 302)
        if rounds is None and len(editable) > BIG_FORM:
            rounds = 4  # its formset rows share the values of their column: four rounds cover them
        for group in (typed, plumbing):
            if not group:
                continue
            schedule = _schedule(group, lists)
            count = max(len(values) for values in schedule.values())
            for i in range(count if rounds is None else min(rounds, count)):
                chosen = {name: values[i] for name, values in schedule.items() if i < len(values)}
                submit = submits[i % len(submits)]
                data = {**form.data(submit), **{name: [value] for name, value in chosen.items()}}
                response = self.send(target, data, f"all fields, round {i}")
                if not saves or group is plumbing or response is None or response.status_code != 200:
                    continue
                # The fields that took their value, all at once and the rest as shown: if the form
                # takes them, they reach the save and the database (where PostgreSQL may refuse a
                # text too long, a number too large…), then the page that shows what was stored.
                refused = error_names(response)
                accepted = {n: v for n, v in chosen.items()
                            if refused is not None and n not in refused and [v] != base.get(n)}
                if accepted:
                    data = {**form.data(keep_editing), **{n: [v] for n, v in accepted.items()}}
                    self.send(target, data, f"accepted fields {sorted(accepted)[:4]}, round {i}", follow=True)
        if examples and editable:
            self._examples(target, editable)
        if not extras:
            return
        # What the middleware refuses for every form: a few fields are enough to prove it.
        for n, value in enumerate(hv.UNREADABLE):
            if editable:
                name = editable[n * 7 % len(editable)].name
                self.send(target, {**base, name: [value]}, f"{name}={value!r}")
        self.send(target, {**base, "champ\x00": ["1"]}, "a field named with a NUL")
        for name in form.files:
            for filename in (f"{hv.BIDI}fdp.exe.pdf", f"a{hv.NUL}.pdf", "x" * 5000 + ".pdf", "../../etc/passwd",
                             f"{hv.EMOJI}.pdf"):
                upload = SimpleUploadedFile(filename, pdf_bytes(), content_type="application/pdf")
                self.send(target, base, f"file {name} named {filename[:30]!r}", files={name: upload})

    def _examples(self, target, editable):
        names = [f.name for f in editable]

        @hv.BOUNDED
        @given(chosen=st.dictionaries(st.sampled_from(names), hv.hostile_text, min_size=1, max_size=4))
        def example(chosen):
            data = {**target.form.data(), **{name: [value] for name, value in chosen.items()}}
            self.send(target, data, f"hypothesis {chosen!r:.200}")

        example()

    def assert_clean(self):
        assert not self.failures, f"{len(self.failures)} broken promises:\n" + "\n".join(self.failures[:60])
