"""The client's address: the one helper every part of the product asks (login throttling first).

``PROXY_COUNT`` says how many reverse proxies the site runs behind, each of which appends the
address it received the request from to ``X-Forwarded-For``:

- ``0`` (the default, no proxy): the header is whatever the client typed, so it is ignored and
  the socket's address (``REMOTE_ADDR``) is the client's;
- ``N`` ≥ 1: the right-most ``N`` entries were written by our proxies, the ``N``-th from the right
  being the address the outermost proxy saw, i.e. the client's. Anything left of it was sent
  by the client and is never trusted (a client cannot choose its address by prepending one). A
  header with fewer than ``N`` valid entries did not come through every proxy: ``REMOTE_ADDR``.

Parsing (ports, brackets, IPv4-mapped IPv6, malformed entries) is python-ipware's, with the
proxy count it expects (the proxies listed in the header, one less than ours, as the proxy next
to us is ``REMOTE_ADDR``) and without its *strict* mode: in strict mode a header with more
entries than expected, as sent by a client behind its own corporate proxy, falls back to the
proxy's address, which would put those clients in one throttling bucket with every forger.
"""

from django.conf import settings
from django.http import HttpRequest
from python_ipware import IpWare

FORWARDED_HEADER = "HTTP_X_FORWARDED_FOR"


def client_ip(request: HttpRequest) -> str | None:
    """Return the client's address, as resolved for ``settings.PROXY_COUNT`` proxies in front."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.PROXY_COUNT
    if proxies <= 0:
        return remote
    resolver = IpWare(precedence=(FORWARDED_HEADER,), proxy_count=proxies - 1)
    address, _trusted = resolver.get_client_ip(request.META, strict=False)
    return str(address) if address is not None else remote
