"""How many registrations (and activation links) one address may ask for: a cap per hour.

Only what would send an email counts (a form refused for a typing error does not): the cap stops
a script from creating accounts or flooding a mailbox, not a person correcting their form.
``REGISTRATION_THROTTLE`` is (count, seconds); the counter lives in the cache.
"""

from django.conf import settings
from django.core.cache import cache

from core.client_ip import client_ip


def _key(request, scope: str) -> str:
    return f"registration-throttle:{scope}:{client_ip(request) or 'unknown'}"


def throttled(request, scope: str, *, rate=None) -> bool:
    """Return True when the client's address used up its requests of ``scope`` for now.

    ``rate`` is (count, seconds), ``REGISTRATION_THROTTLE`` unless given."""
    limit, _seconds = rate or settings.REGISTRATION_THROTTLE
    return cache.get(_key(request, scope), 0) >= limit


def throttle_count(request, scope: str, *, rate=None) -> None:
    """Count one request of ``scope`` for the client's address."""
    _limit, seconds = rate or settings.REGISTRATION_THROTTLE
    key = _key(request, scope)
    if not cache.add(key, 1, timeout=seconds):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, timeout=seconds)
