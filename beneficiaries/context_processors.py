"""Template context of the portal's header: the member's associations and the current one."""

from django.utils.functional import SimpleLazyObject

from beneficiaries.portal import portal_header


def portal(request):
    """Expose ``portal`` lazily: pages that never read it (the admin) run no query for it."""
    return {"portal": SimpleLazyObject(lambda: portal_header(request))}
