"""The rules a deliberation applies, each in one place.

- ``previous_year_amounts``: what the funder gave each beneficiary the year before (the annex's
  « N-1 » column): what was voted that year only (``voted_amounts``: voted agreements and voted
  years of multi-year ones at their amount in force, subsidies notified by letter), never a draft;
- ``year_totals``: the year's cumulated amount per beneficiary and funder, the one of
  ``campaigns.rules.beneficiary_year_total``, for many beneficiaries in two queries;
- ``agreement_required``: a written agreement is owed when that cumulated amount is above
  23 000 € (``compliance.checks.written_agreement_required``), all the funder's subsidies of the
  year added up;
- ``vote_refusals``: why a deliberation may not be voted;
- ``agreement_reference``: the reference of an agreement drawn from an application, in the
  existing pattern « AMP-2027-CSPV-SCS ».
"""

import unicodedata
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from campaigns.models import COMMITTED_STATUSES, Application
from campaigns.rules import YearTotal, committed_amount_expression, voted_amounts
from compliance.checks import written_agreement_required
from conventions.deliberation import number_is_placeholder
from conventions.models import Convention
from core.dates import french_date
from core.money import ZERO
from deliberations.models import Deliberation, DeliberationStatus
from documents.obligations import association_years


def _pending_by_beneficiary(funder, pairs, statuses) -> dict[tuple[int, int], Decimal]:
    """Return the amounts of the applications in ``statuses`` not (yet) an agreement, by (beneficiary, year)."""
    rows = (Application.objects.filter(
        beneficiary_id__in={b for b, _y in pairs}, campaign__year__in={y for _b, y in pairs},
        campaign__programme__funder=funder, status__in=statuses, convention__isnull=True)
        .order_by().values("beneficiary_id", "campaign__year")
        .annotate(total=Sum(committed_amount_expression(), default=ZERO)))
    return {(row["beneficiary_id"], row["campaign__year"]): row["total"] for row in rows}


def year_totals(*, funder, pairs) -> dict[tuple[int, int], YearTotal]:
    """Return ``beneficiary_year_total`` of each (beneficiary id, year) pair, in two queries.

    Agreements count at their amount in force (refused or cancelled ones left out), applications
    proposed or granted that are not an agreement yet at their proposed or granted amount.
    """
    pairs = set(pairs)
    if not pairs:
        return {}
    years = association_years(pairs)
    pending = _pending_by_beneficiary(funder, pairs, COMMITTED_STATUSES)
    return {key: YearTotal(agreements=years[key].funder_total(funder.pk), applications=pending.get(key, ZERO),
                           unknown_amounts=years[key].funder_unknown(funder.pk)) for key in pairs}


def previous_year_amounts(*, funder, beneficiary_ids, year: int) -> dict[int, Decimal]:
    """Return what ``funder`` gave each beneficiary in ``year - 1`` (the annex's « N-1 »), in three queries.

    Only what was voted that year counts (``voted_amounts``): a draft agreement of last year, or an
    application still proposed, is not a gift.
    """
    amounts = voted_amounts(funder=funder, pairs={(b, year - 1) for b in beneficiary_ids})
    return {b: amount for (b, _y), amount in amounts.items()}


def agreement_required(total: YearTotal) -> bool:
    """Return True when the year's cumulated amount calls for a written agreement (above 23 000 €)."""
    return written_agreement_required(total.total)


def vote_refusals(deliberation: Deliberation, lines, granted_ids) -> list[str]:
    """Return, in French, why ``deliberation`` may not be voted with the lines ``granted_ids`` granted."""
    if deliberation.status != DeliberationStatus.DRAFT:
        return [_("Cette délibération a déjà été votée (le %(day)s) : un vote n'est enregistré qu'une fois.")
                % {"day": french_date(deliberation.voted_on) if deliberation.voted_on else "—"}]
    refusals = []
    number = (deliberation.number or "").strip()
    if not number:
        refusals.append(_("La délibération n'a pas de numéro : indiquez celui attribué par la séance."))
    elif number_is_placeholder(number):
        refusals.append(_("« %(number)s » n'est qu'un numéro provisoire : indiquez le numéro définitif de la "
                          "délibération avant d'enregistrer son vote.") % {"number": number})
    if not lines:
        refusals.append(_("La délibération ne porte aucune subvention."))
    without_amount = [line for line in lines if line.pk in granted_ids and not line.voted_amount]
    if without_amount:
        refusals.append(_("Sans montant soumis au vote : %(lines)s. Indiquez un montant supérieur à zéro, ou "
                          "votez-les non attribuées.") % {"lines": ", ".join(str(line) for line in without_amount)})
    return refusals


_SMALL_WORDS = {"A", "AU", "AUX", "D", "DE", "DES", "DU", "EN", "ET", "L", "LA", "LE", "LES", "POUR", "SUR"}


def _code(text: str, *, initials: bool) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").upper()
    words = ["".join(ch for ch in word if ch.isalnum()) for word in plain.replace("-", " ").split()]
    words = [word for word in words if word]
    if initials:
        significant = [word for word in words if word not in _SMALL_WORDS] or words
        return "".join(word[0] for word in significant)[:6]
    return "".join(words)[:12]


def agreement_reference(*, funder, year: int, programme_name: str, beneficiary) -> str:
    """Return a free reference « AMP-2027-CSPV-SCS » for an agreement drawn from an application.

    The prefix is the one of the funder's existing references (« AMP »), else the initials of its
    name; then the year, the programme's initials and the association's acronym (or initials);
    « -2 », « -3 »… when the association already has one that year in the programme.
    """
    last = Convention.objects.filter(funder=funder).order_by("-created_at").values_list("reference", flat=True).first()
    prefix = last.split("-")[0] if last and "-" in last else _code(funder.name, initials=True)
    who = _code(beneficiary.acronym, initials=False) if beneficiary.acronym else _code(beneficiary.name, initials=True)
    base = f"{prefix}-{year}-{_code(programme_name, initials=True)}-{who}"
    taken = set(Convention.objects.filter(reference__startswith=base).values_list("reference", flat=True))
    reference, n = base, 1
    while reference in taken:
        n += 1
        reference = f"{base}-{n}"
    return reference
