"""The one way lists and charts name an association: its short name (the acronym when it has one,
« PIM »), the full name a hover away (« Provence Images en mouvement »). Documents with legal
weight (agreements, deliberation annexes, letters) keep the full name and acronym in parentheses.
"""

from django.utils.html import format_html
from django.utils.safestring import SafeString


def list_name(beneficiary) -> SafeString:
    """« <abbr title="Provence Images en mouvement">PIM</abbr> », or the name alone when it has no acronym."""
    if beneficiary is None:
        return format_html("{}", "—")
    if beneficiary.acronym and beneficiary.acronym != beneficiary.name:
        return format_html('<abbr title="{}">{}</abbr>', beneficiary.name, beneficiary.acronym)
    return format_html("{}", beneficiary.name)


def chart_name(beneficiary) -> str:
    """The label of an association on a chart (plain text): the same short name as in lists."""
    return beneficiary.short_name
