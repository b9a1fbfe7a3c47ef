from django import template

from core.money import format_euros, format_percent, format_total, unknown_amounts_note

register = template.Library()


@register.filter
def euros(amount):
    """Render an amount the French way: ``66 000 €``."""
    return format_euros(amount)


@register.filter
def percent(share):
    """Render a ratio as a French percentage: ``6,92 %``; a share the page does not have (a budget of an
    application has no agreement, so no funder's share: the template gets ``""``) as « — »."""
    return format_percent(None if share == "" else share)


@register.filter
def total(amount, unknown=0):
    """Render a total of known amounts with how many it leaves out: ``953 330 € (dont 1 montant non chiffré)``."""
    return format_total(amount, unknown or 0)


@register.filter
def unknown_note(count):
    """Render « dont N montants non chiffrés » (empty when every amount is known)."""
    return unknown_amounts_note(count or 0)
