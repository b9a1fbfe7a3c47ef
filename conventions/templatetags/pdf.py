from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from conventions.clauses.engine import text_to_html
from core.pdf import static_file_uri

register = template.Library()


@register.simple_tag
def pdf_static(path):
    """Return the ``file://`` URI of a static file, the only kind the PDF renderer reads."""
    return static_file_uri(path)


@register.filter
def paragraphs(text, headings=False):
    """Escape user text and cut it into paragraphs and bullet lists, as clauses are."""
    return mark_safe(text_to_html(escape(text or ""), headings=bool(headings)))  # noqa: S308 - escaped on the line above
