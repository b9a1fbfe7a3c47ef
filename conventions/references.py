"""What was in force for an agreement: the date that decides it, the funder's rules and the law by date.

Texts change over time (DOMAIN.md §12): a funder adopts new financial rules, a regulation is
replaced, an obligation starts on a given day. An agreement cites, and owes, what was in force
on its reference date: the day it was voted. Before the vote (a draft being prepared), the
texts in force today are those it will most likely be voted under.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import DateField, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from conventions.clauses.models import FinancialRulesVersion


def reference_date(convention) -> date:
    """Return the date that decides which texts ``convention`` cites: its vote, else today."""
    return convention.deliberation_date or timezone.localdate()


@dataclass(frozen=True)
class LegalReference:
    """One version of a legal text, in force from ``valid_from`` to ``valid_until`` (both included)."""

    text: str
    valid_from: date | None = None
    valid_until: date | None = None

    def in_force_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_until is None or day <= self.valid_until)


#: The legal references a clause cites, by placeholder, each with its versions by date.
LEGAL_REFERENCES = {
    # The accounting regulation of associations: ANC 2018-06 replaced CRC 99-01 on 1 January 2020.
    "accounting_regulation": (
        LegalReference(
            "règlement n° 99-01 du 16 février 1999 du Comité de la réglementation comptable relatif aux "
            "modalités d'établissement des comptes annuels des associations et fondations, homologué par "
            "l'arrêté du 8 avril 1999",
            valid_until=date(2019, 12, 31),
        ),
        LegalReference(
            "règlement n° 2018-06 du 5 décembre 2018 de l'Autorité des normes comptables relatif aux comptes "
            "annuels des personnes morales de droit privé à but non lucratif, homologué par l'arrêté du "
            "26 décembre 2018",
            valid_from=date(2020, 1, 1),
        ),
    ),
}


def legal_reference(name: str, day: date) -> str:
    """Return the text of the legal reference ``name`` in force on ``day``."""
    return next(version.text for version in LEGAL_REFERENCES[name] if version.in_force_on(day))


def _versions_in_force(funder, day):
    return (FinancialRulesVersion.objects.filter(funder=funder, valid_from__lte=day)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day)).order_by("-valid_from"))


def with_financial_rules(queryset):
    """Annotate agreements with the funder's rules in force at their reference date, in the same query.

    ``financial_rules_citation`` reads the annotations when they are there (the agreement's PDF
    loads its data in a fixed number of queries).
    """
    day = Coalesce(OuterRef("deliberation_date"), Value(timezone.localdate()), output_field=DateField())
    in_force = _versions_in_force(OuterRef("funder"), day).values("reference")[:1]
    return queryset.annotate(
        financial_rules_in_force=Subquery(in_force),
        funder_has_dated_rules=Exists(FinancialRulesVersion.objects.filter(funder=OuterRef("funder"))),
    )


def financial_rules_citation(convention) -> str:
    """Return how ``convention`` cites its funder's financial rules: the version in force at its reference date.

    The dated version in force that day when the funder has dated versions; a funder without
    any keeps its one undated reference. With versions but none in force that day, "" (the
    rules are then named without a reference rather than by a later or expired one).
    """
    if hasattr(convention, "funder_has_dated_rules"):
        in_force, dated = convention.financial_rules_in_force, convention.funder_has_dated_rules
    else:
        in_force = _versions_in_force(convention.funder_id, reference_date(convention)).values_list(
            "reference", flat=True).first()
        dated = in_force is not None or FinancialRulesVersion.objects.filter(funder=convention.funder_id).exists()
    if in_force:
        return in_force
    return "" if dated else convention.funder.financial_rules_reference
