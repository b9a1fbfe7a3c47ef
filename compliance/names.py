"""Names and places that should be one record but are written differently (DOMAIN.md §10).

The seed names its president « Fabien ALLI » in the parties and « Fabien AILLI » under the
signature, and its town « ROUSSET » in the address and « ROUSSAS » in annex I. Two spellings of
one role are flagged when, case and accents aside, one or two letters tell them apart: a typo,
not another person or another town.
"""

import unicodedata
from dataclasses import dataclass

#: At most this many letters inserted, removed or replaced (case and accents aside).
MAX_EDITS = 2
#: Shorter names (« Aix », « Gap ») differ by two letters from too many others to be flagged.
MIN_LENGTH = 5


@dataclass(frozen=True)
class Spelling:
    """A name as one field of the agreement's records writes it."""

    where: str
    value: str


def normalise(value: str) -> str:
    """Return ``value`` without case, accents, punctuation or repeated spaces: « Saint-Étienne » → « saint etienne »."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(letters.split())


def edit_distance(a: str, b: str) -> int:
    """Return the number of letters to insert, remove or replace to turn ``a`` into ``b`` (Levenshtein)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def near_duplicates(spellings: list[Spelling]) -> list[tuple[Spelling, Spelling]]:
    """Return each pair of spellings of one role that differ by a typo, first spelling of each variant only."""
    variants: dict[str, Spelling] = {}
    for spelling in spellings:
        key = normalise(spelling.value)
        if key:
            variants.setdefault(key, spelling)
    keys = list(variants)
    pairs = []
    for index, first in enumerate(keys):
        for second in keys[index + 1:]:
            if min(len(first), len(second)) >= MIN_LENGTH and edit_distance(first, second) <= MAX_EDITS:
                pairs.append((variants[first], variants[second]))
    return pairs
