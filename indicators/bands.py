"""Bands of an indicator (company size, age…) must cover every value once (DOMAIN.md §6).

A band's label states its range the way the annex prints it: « moins de 10 salariés »,
« de 11 à 50 salariés », « plus de 500 salariés », « 65 ans et plus ». Read as whole-number
ranges, consecutive bands must meet: « moins de 10 » then « de 11 à 50 » leaves 10 nowhere
(the seed's annex V), « de 11 à 50 » then « de 50 à 100 » counts 50 twice.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

_NUMBER = r"(\d[\d\s\u00a0\u202f]*)"
_PATTERNS = [  # (pattern, how the bounds follow from the numbers read)
    (re.compile(rf"^(?:de\s+)?{_NUMBER}\s*(?:à|-|–)\s*{_NUMBER}\b"), lambda a, b: (a, b)),
    (re.compile(rf"^(?:moins\s+de|<)\s*{_NUMBER}\b"), lambda a: (0, a - 1)),
    (re.compile(rf"^(?:jusqu'à|au plus|≤)\s*{_NUMBER}\b"), lambda a: (0, a)),
    (re.compile(rf"^(?:plus\s+de|>)\s*{_NUMBER}\b"), lambda a: (a + 1, None)),
    (re.compile(rf"^(?:au moins|≥)\s*{_NUMBER}\b"), lambda a: (a, None)),
    (re.compile(rf"^{_NUMBER}\s*\D*?\s+et\s+plus\b"), lambda a: (a, None)),
]


@dataclass(frozen=True)
class BandRange:
    """Whole numbers from ``low`` to ``high`` included; ``high`` None means no upper bound."""

    label: str
    low: int
    high: int | None


@dataclass(frozen=True)
class BandProblem:
    kind: str  # "gap" or "overlap"
    message: str


def band_range(label: str) -> BandRange | None:
    """Return the range a band's label states, or None when the label states none."""
    text = label.strip().lower()
    for pattern, bounds in _PATTERNS:
        match = pattern.match(text)
        if match:
            numbers = [int(re.sub(r"\D", "", group)) for group in match.groups()]
            low, high = bounds(*numbers)
            return BandRange(label, low, high)
    return None


def band_problems(labels: list[str]) -> list[BandProblem]:
    """Return the gaps and overlaps between consecutive bands, in order; [] when a label states no range."""
    ranges = [band_range(label) for label in labels]
    if len(ranges) < 2 or None in ranges:
        return []
    ranges.sort(key=lambda r: r.low)
    problems = []
    for before, after in zip(ranges, ranges[1:], strict=False):
        values = {"before": before.label, "after": after.label}
        if before.high is None or after.low <= before.high:
            problems.append(BandProblem("overlap", _(
                "Les tranches « %(before)s » et « %(after)s » se chevauchent : une même valeur y serait comptée "
                "deux fois.") % values))
        elif after.low > before.high + 1:
            missing = (str(before.high + 1) if after.low == before.high + 2
                       else _("%(low)s à %(high)s") % {"low": before.high + 1, "high": after.low - 1})
            problems.append(BandProblem("gap", _(
                "Entre les tranches « %(before)s » et « %(after)s », aucune tranche ne compte %(missing)s.")
                % {**values, "missing": missing}))
    return problems
