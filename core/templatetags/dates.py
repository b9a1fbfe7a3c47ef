from django import template

from core.dates import format_year, french_date, french_datetime, french_today

register = template.Library()


@register.filter
def long_date(day):
    """Render a date the French way: « 1er décembre 2026 », « 6 mars 2023 »."""
    return french_date(day)


@register.filter
def year(value):
    """Render a year without thousands separator: « 2023 », never « 2 023 »."""
    return format_year(value)


@register.filter
def long_datetime(moment):
    """Render a date and time the French way, in local time: « 1er décembre 2026 à 14:05 »."""
    return french_datetime(moment)


@register.simple_tag
def today_long():
    """Render today's date the French way (« 1er décembre 2026 »), where ``{% now "j F Y" %}`` prints « 1 »."""
    return french_today()
