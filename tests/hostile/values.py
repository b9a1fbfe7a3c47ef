"""The hostile values: an explicit list of the nastiest, and hypothesis strategies around them.

Each field of a form gets the values of its kind in turn (``values_for``); hypothesis then
mixes them with generated text (``hostile_text``) in a bounded, deterministic number of
examples (``BOUNDED``).
"""

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

NUL = "\x00"
CONTROL = "\x01\x1b\x7f"
BIDI = "\u202e\u2066"
#: A lone surrogate: no UTF-8 encoder writes it, so it is sent only if the client manages to.
SURROGATE = "\udcff"
LONG = "x" * 100_000
EMOJI = "👩‍👩‍👧‍👦"
THOUSANDS_OF_DIGITS = "9" * 5000
HUGE_EXPONENT = "1e99999"
HUGE_ID = "9" * 30

#: Refused before any view, whatever the field (``config.middleware``): one request each.
UNREADABLE = [NUL, f"a{NUL}b", CONTROL, f"Nom{BIDI}fdp.exe", "\x85", "\u2066x\u2069"]

#: Each list below holds ten values: a form is posted ten times, each field getting the next
#: value of its kind every time (``Probe.run``), so that every field meets every value of its kind.
#: What a person types, a copy-paste brings or a forger sends in any text.
TEXT = [LONG, EMOJI * 3, THOUSANDS_OF_DIGITS, HUGE_EXPONENT, "-0", "NaN", "99999-12-31", HUGE_ID, " \t\r\n ",
        "<script>x</script>"]
#: Numbers: amounts, percentages, years, counts.
NUMBERS = [THOUSANDS_OF_DIGITS, HUGE_EXPONENT, "-0", "NaN", "Infinity", HUGE_ID, f"-{HUGE_ID}", "99999",
           "9223372036854775808", "-Infinity"]
#: Dates, as the French widgets and the ISO ones take them.
DATES = ["99999-12-31", "0000-00-00", "31/12/9999", "2026-02-30", "31/02/2026", "01/01/0001", "31/12/99999",
         f"01/01/{THOUSANDS_OF_DIGITS}", "1-1-1", "-1-01-01"]
TIMES = ["25:61", "99:99:99", "24:00", "-1:00", "12:00:00.9999999999", "23:59:60", THOUSANDS_OF_DIGITS, "NaN",
         "1e99999", EMOJI]
#: Identifiers of related rows (selects, hidden ids), choices, ticks and formset counters.
IDS = [HUGE_ID, f"-{HUGE_ID}", "-1", THOUSANDS_OF_DIGITS, "1.5", "0", EMOJI, "", "9223372036854775808", "1e3"]

#: Formset counters and « delete » ticks. Not a number past Django's limit of 1000 rows: such a
#: counter makes Django build (and the page show) a thousand empty rows, a cost, not a failure.
PLUMBING = ["-1", THOUSANDS_OF_DIGITS, "1.5", EMOJI]

#: Everything, for hypothesis to pick from (the lone surrogate included: skipped if unsendable).
ALL = list(dict.fromkeys([*UNREADABLE, *TEXT, *NUMBERS, *DATES, *TIMES, *IDS, SURROGATE, "Infinity", "-Infinity", "0x1F",
                          "1_000", "\u0661\u0662\u0663", "12,5,3", "2147483648", " \t\r\n ", "<script>x</script>",
                          "00/00/0000", "32/13/2026", "1/1/1 24:00"]))

_NUMBER_LIKE = re.compile(r"^-?[\d\s\u00a0\u202f.,]+$")
_DATE_LIKE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}")


def values_for(kind: str, shown: str | None = None, classes: str = "") -> list[str]:
    """The hostile values for an input of ``kind`` (its HTML type, or "select"/"textarea") that
    shows ``shown`` with the CSS ``classes`` (the admin's date and time widgets are text inputs)."""
    if kind in ("hidden", "select", "radio", "checkbox"):
        return IDS
    if kind == "time" or "vTimeField" in classes:
        return TIMES
    if kind in ("date", "datetime-local") or "vDateField" in classes or (shown and _DATE_LIKE.match(shown)):
        return DATES
    if kind == "number" or "vIntegerField" in classes or "vBigIntegerField" in classes or (
            shown and _NUMBER_LIKE.match(shown)):
        return NUMBERS
    return TEXT


def sendable(value: str) -> bool:
    """Return False for what no client can encode (lone surrogates): such cases are skipped."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


#: Control, format (bidi), private-use and unassigned characters, around ordinary letters.
hostile_characters = st.characters(
    categories=("Cc", "Cf", "Co", "Cn", "Zs", "Zl", "Zp", "So", "Lo", "Nd"),
)
hostile_text = st.one_of(
    st.sampled_from(ALL),
    st.text(hostile_characters, min_size=1, max_size=40),
    st.builds(lambda digits, exp: f"{digits}e{exp}", st.text("0123456789", min_size=1, max_size=400),
              st.integers(-10**6, 10**6)),
    st.builds(lambda y, m, d: f"{d:02d}/{m:02d}/{y}", st.integers(-99999, 10**8), st.integers(0, 99),
              st.integers(0, 99)),
    st.integers(-(10**40), 10**40).map(str),
)

#: Few examples, always the same ones (CI must not flicker), no deadline (a page takes its time).
BOUNDED = settings(max_examples=2, derandomize=True, deadline=None, database=None,
                   suppress_health_check=list(HealthCheck))
