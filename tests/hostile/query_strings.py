"""Hostile query strings for a list page: every parameter its links use, and the usual ones."""

from urllib.parse import parse_qsl, urlencode

from tests.hostile import values as hv
from tests.hostile.html_forms import links

#: What any list is asked, linked or not: search, page, order, « all », the error flag.
ALWAYS = ["q", "p", "o", "all", "e", "_changelist_filters", "next", "beneficiaire"]
QUERY_VALUES = [hv.HUGE_ID, f"-{hv.HUGE_ID}", "-1", "abc", hv.THOUSANDS_OF_DIGITS, "99999-12-31", hv.HUGE_EXPONENT,
                hv.EMOJI, "\x1b[2J", "%", "' OR 1=1 --", hv.LONG[:20000], "1.5", "0"]
#: Bytes that are no UTF-8 (a lone surrogate, sent raw): the nearest a client gets to « \udcff ».
RAW = ["%ED%B3%BF", "%FF%FE", "%00"]


def parameters(html: str, page: str) -> list[str]:
    """The query parameters the page's own links use (filters, date hierarchy, pages)."""
    names = list(ALWAYS)
    for href in links(html, page):
        if "?" in href:
            names += [name for name, _value in parse_qsl(href.split("?", 1)[1], keep_blank_values=True)]
    return list(dict.fromkeys(names))


def probe_page(probe, client, page) -> int:
    """GET ``page`` with each of its parameters hostile, then all of them; return how many."""
    response = probe.get(page, "as linked")
    if response is None or response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return 0
    names = parameters(response.content.decode(), page)
    for n, name in enumerate(names):
        value = QUERY_VALUES[n % len(QUERY_VALUES)]
        probe.get(f"{page}?{urlencode({name: value})}", f"{name}={value[:20]!r}")
    for i, raw in enumerate(RAW):
        probe.get(f"{page}?{names[(i * 3) % len(names)]}={raw}", "raw bytes")
    for i in range(2):  # all at once
        probe.get(f"{page}?{urlencode({name: QUERY_VALUES[(i + n) % len(QUERY_VALUES)] for n, name in enumerate(names)})}",
                  f"all parameters, round {i}")
    return len(names)
