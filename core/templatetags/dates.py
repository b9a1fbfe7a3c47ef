from django import template

from core.dates import format_year, french_date

register = template.Library()


@register.filter
def long_date(day):
    """Render a date the French way: « 1er décembre 2026 », « 6 mars 2023 »."""
    return french_date(day)


@register.filter
def year(value):
    """Render a year without thousands separator: « 2023 », never « 2 023 »."""
    return format_year(value)
