"""The whole template language of a clause: the only tags and filters its engine knows.

The clause engine (``engine.py``) is built with this library as its only builtin, and with no
loadable library: a tag or filter that is not here does not exist for a clause and is refused
when the clause is saved and again when it is printed. This is an allow-list, so nothing that
writes raw HTML can slip in: not ``|safe`` nor ``|safeseq``, not ``{% autoescape off %}`` nor
``{% filter safe %}``, not ``|json_script``, ``|linebreaks`` or ``|urlize`` (markup of their
own), not ``{% include %}``, ``{% load %}`` or ``{% debug %}``. A new Django filter or tag opens
nothing either.

The filters kept only change the wording of plain text; each one escapes what it prints (or
leaves it to the autoescaping of the engine).
"""

from django.template import Library, defaultfilters, defaulttags

register = Library()

#: Tags a clause may use, with the words that continue or close them.
TAGS = {
    "if": defaulttags.do_if,
    "for": defaulttags.do_for,
    "with": defaulttags.do_with,
    "firstof": defaulttags.firstof,
    "comment": defaulttags.comment,
}
TAG_WORDS = frozenset({*TAGS, "elif", "else", "endif", "empty", "endfor", "endwith", "endcomment"})

#: Filters a clause may use: wording of plain text, none of which writes markup.
FILTERS = (
    "capfirst", "lower", "upper", "title", "default", "default_if_none", "yesno", "pluralize",
    "length", "first", "last", "join", "truncatewords", "truncatechars",
)

for name, compile_function in TAGS.items():
    register.tag(name, compile_function)
for name in FILTERS:
    register.filter(name, defaultfilters.register.filters[name])
