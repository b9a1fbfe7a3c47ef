"""The POST forms of a rendered page, read as a browser reads them: what it would send back.

Only the standard library's HTML parser: every ``<form method="post">`` with its ``<input>``,
``<select>`` and ``<textarea>`` (formset management forms are hidden inputs, so they come too),
the values the page shows, and its named submit buttons.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

#: Input types whose value is typed by the user: the ones a hostile value replaces.
TYPED = {"text", "number", "date", "datetime-local", "time", "email", "url", "tel", "search", "password",
         "textarea", "select", "hidden", "month", "week", "color", "range", "radio", "checkbox"}


@dataclass
class Field:
    name: str
    kind: str  # the input's type, or "select" / "textarea"
    value: str | None  # None: not sent as shown (an unchecked box)
    options: list[str] = field(default_factory=list)
    classes: str = ""


@dataclass
class HtmlForm:
    action: str  # absolute path, query string included
    fields: list[Field]
    submits: list[tuple[str, str]]  # (name, value) of the named submit buttons
    enctype: str = "application/x-www-form-urlencoded"
    files: list[str] = field(default_factory=list)
    #: Buttons sending the same fields elsewhere (``formaction``): (action, submit or None).
    elsewhere: list[tuple[str, tuple[str, str] | None]] = field(default_factory=list)

    def data(self, submit: tuple[str, str] | None = None) -> dict[str, list[str]]:
        """What the browser sends as the page shows it (with ``submit`` as the clicked button)."""
        sent: dict[str, list[str]] = {}
        for item in self.fields:
            if item.value is not None:
                sent.setdefault(item.name, []).append(item.value)
        if submit is None and self.submits:
            submit = self.submits[0]
        if submit is not None:
            sent.setdefault(submit[0], []).append(submit[1])
        return sent

    @property
    def editable(self) -> list[Field]:
        """One entry per name a user (or a forger) can set, management forms and hidden ids included."""
        seen, result = set(), []
        for item in self.fields:
            if item.name not in seen and item.name != "csrfmiddlewaretoken" and item.kind in TYPED:
                seen.add(item.name)
                result.append(item)
        return result


class _Parser(HTMLParser):
    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: ("" if v is None else v) for k, v in attrs}
        if tag == "form":
            if attrs.get("method", "get").lower() == "post":
                action = urljoin(self.base, attrs.get("action") or self.base)
                parts = urlsplit(action)
                self._form = HtmlForm(action=parts.path + (f"?{parts.query}" if parts.query else ""), fields=[],
                                      submits=[], enctype=attrs.get("enctype", "application/x-www-form-urlencoded"))
            return
        form = self._form
        if form is None or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag in ("input", "button") and not name and attrs.get("formaction") and (
                attrs.get("type", "submit" if tag == "button" else "text").lower() == "submit"):
            self._submit(form, attrs, None)
        elif tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            value = attrs.get("value", "")
            if kind in ("submit", "image"):
                self._submit(form, attrs, (name, value))
            elif kind == "button" or kind == "reset":
                return
            elif kind == "file":
                form.files.append(name)
            elif kind in ("checkbox", "radio"):
                form.fields.append(Field(name, kind, (value or "on") if "checked" in attrs else None, [value or "on"]))
            else:
                form.fields.append(Field(name, kind, value, classes=attrs.get("class", "")))
        elif tag == "button" and name and attrs.get("type", "submit").lower() == "submit":
            self._submit(form, attrs, (name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in attrs, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": attrs.get("value"), "selected": "selected" in attrs, "text": ""}
        elif tag == "textarea" and name:
            self._textarea = Field(name, "textarea", "")

    def _submit(self, form, attrs, submit):
        if attrs.get("formaction"):
            parts = urlsplit(urljoin(self.base, attrs["formaction"]))
            form.elsewhere.append((parts.path + (f"?{parts.query}" if parts.query else ""), submit))
        elif submit is not None:
            form.submits.append(submit)

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            self._close_option()
        elif tag == "select" and self._select is not None:
            if self._option is not None:
                self._close_option()
            select = self._select
            values = [value for value, selected in select["options"]]
            chosen = [value for value, selected in select["options"] if selected]
            if not select["multiple"]:
                chosen = chosen[-1:] or values[:1]  # a browser sends the first option by default
            for value in chosen or [None]:
                self._form.fields.append(Field(select["name"], "select", value, values))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            value = self._textarea.value
            self._textarea.value = value[1:] if value.startswith("\n") else value
            self._form.fields.append(self._textarea)
            self._textarea = None
        elif tag == "form" and self._form is not None:
            form = self._form
            self.forms.append(form)
            for action, submit in form.elsewhere:
                self.forms.append(HtmlForm(action=action, fields=form.fields, submits=[submit] if submit else [],
                                           enctype=form.enctype, files=form.files))
            self._form = None

    def _close_option(self):
        option = self._option
        value = option["text"].strip() if option["value"] is None else option["value"]
        self._select["options"].append((value, option["selected"]))
        self._option = None


def post_forms(html: str, page_url: str) -> list[HtmlForm]:
    """Return the page's POST forms, with their actions made absolute from ``page_url``."""
    parser = _Parser(page_url)
    parser.feed(html)
    parser.close()
    return parser.forms


class _Links(HTMLParser):
    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base, self.found = base, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        target = attrs.get("href") if tag == "a" else attrs.get("action") if tag == "form" else (
            attrs.get("formaction") if tag in ("button", "input") else None)
        if target and not target.startswith(("#", "mailto:", "javascript:")):
            parts = urlsplit(urljoin(self.base, target))
            self.found.append(parts.path + (f"?{parts.query}" if parts.query else ""))


def links(html: str, page_url: str) -> list[str]:
    """Every address the page links to or posts to (links, form actions, buttons' formaction)."""
    parser = _Links(page_url)
    parser.feed(html)
    parser.close()
    return list(dict.fromkeys(parser.found))
