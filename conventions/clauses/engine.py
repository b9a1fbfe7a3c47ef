"""Clause text: Django template placeholders filled from data, every character escaped.

A clause is written by an administrator (the funder's model) or adjusted by an agent (one
agreement). Its figures come from data through placeholders (``{{ amount }}``). Rendering:

1. the literal text of the clause is HTML-escaped token by token, so that nothing typed in
   a clause can become markup;
2. the placeholders are rendered by a dedicated template engine with autoescaping, from a
   context of plain values (strings, lists of strings), never model instances;
3. the result is cut into paragraphs and bullet lists (a tiny, fixed markup: blank line,
   ``- `` bullet, two spaces for a sub-bullet, ``**bold**``).

The engine knows only the tags and filters of ``library.py`` (``if``, ``for``, ``with``,
``firstof``, ``comment``; filters of wording such as ``capfirst``): nothing that writes raw
HTML (``|safe``, ``|safeseq``, ``{% autoescape off %}``, ``{% filter %}``…), no ``include``, no
``load``. Such a clause is refused when saved and, if one was stored before, when printed: the
PDF is refused with the section and the reason, never printed with the construct left out.
Quoted text in a placeholder or a tag (``{{ x|default:"…" }}``), which Django's templates
print as markup, is refused when it holds ``<``, ``>`` or ``&``.

An unknown placeholder is refused when the clause is saved and printed as ``⟦name⟧`` if it ever
reaches a PDF, so it is seen rather than silently blank.
"""

import re

from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Lexer, Node, TokenType, Variable
from django.template.defaulttags import TemplateLiteral
from django.template.smartif import TokenBase
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from conventions.clauses.library import FILTERS, TAG_WORDS
from core.french import italicize_latin

INVALID_MARK = "⟦%s⟧"
ALLOWED_TAGS = TAG_WORDS

#: The data a clause may use, with what each holds (shown to the people who write clauses).
PLACEHOLDERS = {
    "funder_name": "nom de la collectivité (« Métropole Aix-Marseille-Provence »)",
    "funder": "appellation de la collectivité dans le texte (« la Métropole »)",
    "funder_of": "la même précédée de « de » (« de la Métropole »)",
    "funder_to": "la même précédée de « à » (« à la Métropole »)",
    "beneficiary_name": "dénomination de l'association",
    "beneficiary": "appellation de l'association dans le texte (« l'association »)",
    "fiscal_year": "exercice financé (« 2023 »)",
    "period_start": "début de la période (« 1er janvier 2023 »)",
    "period_end": "fin de la période (« 31 décembre 2023 »)",
    "action_title": "intitulé de l'action (subvention spécifique)",
    "amount": "montant attribué, en chiffres (« 66 000 € »)",
    "amount_is_maximum": "« oui » quand le montant est un maximum (« dans la limite de »), vide sinon",
    "eligible_expenses": "dépenses éligibles : charges du budget prévisionnel hors contributions en nature, "
                         "ou assiette éligible sans budget joint",
    "total_with_in_kind": "total des charges, contributions volontaires en nature comprises",
    "share": "part de la collectivité dans les charges hors contributions en nature (« 6,92 % »)",
    "share_with_in_kind": "part de la collectivité contributions en nature comprises (« 5,67 % »)",
    "share_of_base": "« oui » quand la part est celle de l'assiette éligible (sans budget joint), vide sinon",
    "advance_cap": "plafond de l'acompte (« 80 % »)",
    "advance_cap_amount": "montant maximal de l'acompte (« 52 800 € »)",
    "deliberation": "délibération d'attribution (« la délibération n° … du Bureau de la Métropole du … »)",
    "financial_rules_reference": "référence du règlement budgétaire et financier en vigueur au vote",
    "accounting_regulation": "règlement comptable des associations en vigueur au vote (« règlement n° 2018-06 … »)",
    "budget_imputation": "budget sur lequel la dépense est imputée",
    "fiscal_year_end": "date de clôture de l'exercice de l'association",
    "justification_deadline": "date limite de remise des justificatifs (six mois après la clôture)",
    "court_name": "juridiction compétente",
    "court_address": "adresse de la juridiction",
    "signature_place": "lieu de signature",
    "preamble": "préambule propre à la convention",
    "objectives": "liste des objectifs (à parcourir avec {% for objective in objectives %})",
    "programme_summary": "liste des catégories d'actions (à parcourir avec {% for item in programme_summary %})",
    "annex_budget": "renvoi à l'annexe du budget prévisionnel (« annexe I »), vide quand elle n'est pas jointe",
    "annex_contributions": "renvoi à l'annexe des contributions non financières, vide quand elle n'est pas jointe",
    "annex_programme": "renvoi à l'annexe du programme d'actions, vide quand elle n'est pas jointe",
    "annex_previous": "renvoi à l'annexe du bilan de la période précédente, vide quand elle n'est pas jointe",
    "annex_indicators": "renvoi à l'annexe des indicateurs à renseigner, vide quand elle n'est pas jointe",
}

_LIST_PLACEHOLDERS = {"objectives", "programme_summary"}


class ClauseEngine(Engine):
    """A template engine whose only builtin is the clause library (Django's are not loaded)."""

    default_builtins = ["conventions.clauses.library"]


_engine = ClauseEngine(autoescape=True, string_if_invalid=INVALID_MARK, libraries={})
_INVALID_FILTER = re.compile(r"Invalid filter: '(?P<name>[^']*)'")
_MARKUP = re.compile(r"[<>&]")
_BULLET = re.compile(r"^(?P<indent> *)- (?P<text>.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


class ClauseError(ValueError):
    """Raised for a clause that cannot be rendered; the message is French."""


def _escaped_source(source: str) -> str:
    """Return ``source`` with its literal text HTML-escaped and its tags checked."""
    parts = []
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.TEXT:
            parts.append(escape(token.contents))
        elif token.token_type == TokenType.VAR:
            parts.append("{{ " + token.contents + " }}")
        elif token.token_type == TokenType.BLOCK:
            tag = token.contents.split()[0] if token.contents.split() else ""
            if tag not in ALLOWED_TAGS:
                raise ClauseError(_("Balise non autorisée dans une clause : {%% %(tag)s %%}.") % {"tag": tag})
            parts.append("{% " + token.contents + " %}")
    return "".join(parts)


def _quoted_texts(item):
    """Yield the quoted text of a compiled clause: every string literal of every expression.

    Django marks a template's string literals safe (they are the template author's markup) and
    resolves them when compiling: a constant is the expression's value, a constant argument of a
    filter is ``(False, value)``; translated ones (``_("…")``) are lazy strings.
    """
    if isinstance(item, list | tuple):  # a NodeList is a list
        for element in item:
            yield from _quoted_texts(element)
    elif isinstance(item, dict):
        for element in item.values():
            yield from _quoted_texts(element)
    elif isinstance(item, FilterExpression):
        values = [item.var, *(argument for _function, arguments in item.filters for _lookup, argument in arguments)]
        for value in values:
            if isinstance(value, str | Promise):
                yield str(value)
            elif isinstance(value, Variable) and isinstance(value.literal, str):
                yield value.literal
    elif isinstance(item, Node | TemplateLiteral | TokenBase):
        for name, value in vars(item).items():
            if name not in ("token", "origin"):
                yield from _quoted_texts(value)


def _compile(source: str):
    try:
        template = _engine.from_string(_escaped_source(source))
    except TemplateSyntaxError as error:
        unknown_filter = _INVALID_FILTER.match(str(error))
        if unknown_filter:
            raise ClauseError(
                _("Filtre non autorisé dans une clause : « |%(name)s ». Filtres permis : %(allowed)s.")
                % {"name": unknown_filter["name"], "allowed": ", ".join(FILTERS)}
            ) from error
        raise ClauseError(_("Syntaxe invalide dans la clause : %(error)s") % {"error": error}) from error
    markup = next((text for text in _quoted_texts(template.nodelist) if _MARKUP.search(text)), None)
    if markup is not None:
        raise ClauseError(
            _("Texte entre guillemets non autorisé dans une donnée ou une balise : « %(text)s » "
              "(<, > et & y seraient imprimés comme du HTML). Écrivez ce texte hors des accolades.")
            % {"text": markup}
        )
    return template


def _inline(text: str) -> str:
    """Apply the inline markup (``**bold**``) and French typography (Latin phrases in italics)."""
    return italicize_latin(_BOLD.sub(r"<strong>\1</strong>", text))


_HEADING_MAX = 100


def _is_heading(lines: list[str]) -> bool:
    """Return True for a short first line, without final punctuation, that introduces a block."""
    first = lines[0]
    return len(lines) > 1 and len(first) <= _HEADING_MAX and first[-1] not in ".;:,!?…"


def text_to_html(text: str, *, headings: bool = False) -> str:
    """Turn already-escaped text into paragraphs and bullet lists (see the module's markup).

    With ``headings``, the short unpunctuated first line of a multi-line block is set apart as
    a heading (free text such as an action programme).
    """
    out: list[str] = []
    paragraph: list[str] = []
    depth = 0

    def flush_paragraph():
        if paragraph:
            if headings and _is_heading(paragraph):
                out.append('<p class="heading">' + _inline(paragraph.pop(0)) + "</p>")
            out.append("<p>" + "<br>".join(_inline(line) for line in paragraph) + "</p>")
            paragraph.clear()

    def close_lists():
        nonlocal depth
        if depth:
            out.append("</li>" + "</ul></li>" * (depth - 1) + "</ul>")
            depth = 0

    for raw in text.splitlines():
        line = raw.rstrip()
        bullet = _BULLET.match(line)
        if bullet:
            flush_paragraph()
            level = min(len(bullet["indent"]) // 2, 2) + 1
            if depth < level:
                out.append("<ul>" * (level - depth))
            else:
                out.append("</li>" + "</ul></li>" * (depth - level))
            depth = level
            out.append("<li>" + _inline(bullet["text"].strip()))
        elif not line.strip():
            flush_paragraph()
            close_lists()
        else:
            close_lists()
            paragraph.append(line.strip())
    flush_paragraph()
    close_lists()
    return "".join(out)


def clause_render(source: str, context: dict, *, blocks: bool = True) -> SafeString:
    """Render a clause with ``context``: escaped HTML, in paragraphs and lists when ``blocks``."""
    rendered = _compile(source).render(Context(context, autoescape=True))
    if not blocks:
        return mark_safe(_inline(" ".join(rendered.split())))  # noqa: S308 - every part escaped above
    return mark_safe(text_to_html(rendered))  # noqa: S308 - every part escaped above


def sample_context() -> dict:
    """Return a context holding every placeholder, to check a clause before saving it."""
    return {name: (["exemple"] if name in _LIST_PLACEHOLDERS else "exemple") for name in PLACEHOLDERS}


def unknown_placeholders(rendered: str) -> list[str]:
    """Return the names printed as unknown (``⟦name⟧``) in a rendered clause."""
    return re.findall(r"⟦(.*?)⟧", rendered)


def clause_check(source: str) -> str | None:
    """Return a French message when ``source`` cannot be used as a clause, else None."""
    try:
        rendered = clause_render(source or "", sample_context())
    except ClauseError as error:
        return str(error)
    unknown = unknown_placeholders(rendered)
    if unknown:
        return _("Donnée inconnue dans la clause : %(names)s. Données disponibles : %(known)s.") % {
            "names": ", ".join(f"{{{{ {name} }}}}" for name in dict.fromkeys(unknown)),
            "known": ", ".join(PLACEHOLDERS),
        }
    return None
