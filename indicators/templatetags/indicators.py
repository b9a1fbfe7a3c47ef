from django import template

from core.money import format_percent
from indicators.rules import display_number

register = template.Library()


@register.filter
def figure(value):
    """Render a reported figure the French way, without useless decimals: ``110 000``, ``12,5``."""
    return display_number(value if value != "" else None)


@register.filter
def split_summary(figures):
    """Render « femmes 50 · hommes 70 · non renseigné 0 »."""
    if figures is None or not figures.has_split:
        return ""
    return " · ".join(
        f"{label} {display_number(getattr(figures, part))}"
        for part, label in (("women", "femmes"), ("men", "hommes"), ("not_stated", "non renseigné"))
        if getattr(figures, part) is not None
    )


@register.filter
def change_summary(change):
    """Render a change since the previous year: ``+12 (+6,0 %)``, or a dash."""
    if change is None:
        return "—"
    sign = "+" if change.delta > 0 else ""
    text = f"{sign}{display_number(change.delta)}"
    if change.share is not None:
        text += f" ({sign}{format_percent(change.share, places=1)})"
    return text
