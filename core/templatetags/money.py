from django import template

from core.money import format_euros, format_percent

register = template.Library()


@register.filter
def euros(amount):
    """Render an amount the French way: ``66 000 €``."""
    return format_euros(amount)


@register.filter
def percent(share):
    """Render a ratio as a French percentage: ``6,92 %``."""
    return format_percent(share)
