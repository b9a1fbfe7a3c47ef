from django import template

from conventions.pdf import static_file_uri

register = template.Library()


@register.simple_tag
def pdf_static(path):
    """Return the ``file://`` URI of a static file, the only kind the PDF renderer reads."""
    return static_file_uri(path)
