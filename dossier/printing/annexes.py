"""Which annexes the agreement's PDF attaches, and their numbers: the one rule.

An annex with nothing to show is not attached (never an empty page). The attached ones are
numbered in order (I, II, III…), and that number is what the articles print: the clauses
refer to an annex through a placeholder (``{{ annex_programme }}`` → « annexe III »), empty when
that annex is not attached, so an article never points to an annex that is not there. The
annex pages, the table of contents and the clause context all read ``attached_annexes``.

A clause that writes an annex number by hand (« annexe III ») is checked too:
``annex_reference_problems`` reports a number that is not an attached annex, so that « ce qui
manque » names the article instead of printing a wrong reference.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from budgets import annex as budget_annex


@dataclass(frozen=True)
class Annex:
    """One attached annex: its key (the placeholder's suffix), its number and its title."""

    key: str
    number: str  # « I », « II »…
    title: str

    @property
    def anchor(self) -> str:
        return f"annexe-{self.key}"

    @property
    def label(self) -> str:
        """« Annexe III », as a heading prints it."""
        return f"Annexe {self.number}"

    @property
    def reference(self) -> str:
        """« annexe III », as an article's sentence prints it."""
        return f"annexe {self.number}"


#: Every annex the model agreement knows, in printing order, with its title.
ANNEXES = (
    ("budget", "Budget prévisionnel"),
    ("contributions", "Contributions non financières"),
    ("programme", "Programme d'actions"),
    ("previous", "Bilan de la période précédente"),
    ("indicators", "Indicateurs à renseigner"),
)

#: The clause placeholder of each annex (``{{ annex_budget }}``…), for ``clauses.engine.PLACEHOLDERS``.
PLACEHOLDER_PREFIX = "annex_"

_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


def _has_content(key: str, data) -> bool:
    """Return True when annex ``key`` has something to show for the agreement of ``data``."""
    convention = data.convention
    if key == "budget":
        return data.has_budget
    if key == "contributions":
        return bool(convention.non_financial_contributions.strip()) or bool(
            budget_annex.in_kind_resources(data.chapters))
    if key == "programme":
        return bool(convention.action_programme.strip())
    if key == "previous":
        return bool(data.previous_reports)
    if key == "indicators":
        return data.indicator_set is not None
    raise KeyError(key)


def attached_annexes(data) -> list[Annex]:
    """Return the annexes the agreement of ``data`` (an ``AgreementData``) attaches, numbered in order."""
    keys = [key for key, _title in ANNEXES if _has_content(key, data)]
    titles = dict(ANNEXES)
    return [Annex(key, _ROMAN[index], titles[key]) for index, key in enumerate(keys)]


def annex_placeholders(annexes: list[Annex]) -> dict[str, str]:
    """Return the clause placeholders: « annexe III » for an attached annex, "" for one left out."""
    attached = {annex.key: annex.reference for annex in annexes}
    return {PLACEHOLDER_PREFIX + key: attached.get(key, "") for key, _title in ANNEXES}


_ANNEX_MENTION = re.compile(r"\b(?i:annexes?) ((?:[IVX]+)(?:(?:, | et | à )[IVX]+)*)\b")


def annex_reference_problems(heading: str, text: str, annexes: list[Annex]) -> list[str]:
    """Return, in French, each annex a clause's rendered ``text`` mentions that is not attached."""
    numbers = {annex.number for annex in annexes}
    problems = []
    for mention in _ANNEX_MENTION.finditer(text):
        for number in re.findall(r"[IVX]+", mention.group(1)):
            if number not in numbers:
                problems.append(
                    _("%(heading)s : le texte renvoie à l'annexe %(number)s, qui n'est pas jointe à la convention "
                      "(annexes jointes : %(attached)s). Écrivez le renvoi avec la donnée de l'annexe "
                      "({{ annex_programme }}, etc.).")
                    % {"heading": heading, "number": number,
                       "attached": ", ".join(sorted(numbers, key=_ROMAN.index)) or _("aucune")}
                )
    return list(dict.fromkeys(problems))
