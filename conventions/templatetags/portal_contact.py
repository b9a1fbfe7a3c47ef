"""``{% portal_contacts %}``: the contacts the portal's footer shows (``conventions.contact``)."""

from django import template

from conventions.contact import agreement_contact, funder_contacts
from conventions.models import Convention

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_contacts(context) -> list:
    """The page's agreement's contact when the page is about one, else the funders' of the member's association."""
    convention = context.get("convention")
    if isinstance(convention, Convention):
        return [agreement_contact(convention)]
    portal = context.get("portal")
    current = getattr(portal, "current", None) if portal is not None else None
    return funder_contacts(current)
