"""Renewal: « Renouveler pour l'année suivante », the one rule of what next year's draft takes over.

An agreement is copied into a draft for the next fiscal year, linked to it (``renewed_from``):
its parties and their signatories, its texts (preamble, objectives, programme), its adjusted
articles, its indicator set (copied to the new year when that year has none), and its forecast
budget as a starting point (lines copied into a draft budget). What the new year must decide
again is left blank: the deliberation, the amount granted and the eligible base (to be voted:
« non renseigné »), the signatures, the legality control, the figures taken over from a printed
document. An agreement is renewed once; a second renewal is refused.

The association may also start a new forecast budget from last year's, from the portal, while
that budget is empty (``renewal_budget_copy``): a renewal's, a later year's of a multi-year
agreement, or a new agreement's when the association had one with the funder last year.
"""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from budgets.models import Budget, BudgetKind, BudgetLine
from budgets.selectors import previous_forecast
from budgets.services import LineInput, budget_get_or_create, budget_save_lines
from conventions.clauses.models import ConventionClause
from conventions.models import Convention, Status, StatusChange
from indicators.models import IndicatorSet
from indicators.services import indicator_set_copy, indicator_set_for

#: States an agreement can be renewed from: voted, whatever happened next, but not ended early.
RENEWABLE_STATES = frozenset({Status.VOTED, Status.SIGNED, Status.ACTIVE, Status.JUSTIFICATION, Status.CLOSED})

#: Fields copied as they are: the parties, the kind of grant, the texts, the signatories.
COPIED_FIELDS = (
    "kind", "is_multiannual", "funder", "beneficiary", "title", "action_title", "document_title", "preamble",
    "objectives", "programme_summary", "action_programme", "non_financial_contributions", "deliberation_body",
    "amount_is_maximum", "advance_cap_percent", "beneficiary_signatory", "beneficiary_signatory_title",
    "funder_signatory", "funder_signatory_title", "funder_signatory_delegation",
)
# Left blank, what the new year decides again: the deliberation (number, date, partial date) and
# the amount granted and eligible base (voted again: unknown until then, never 0); the signature
# and notification dates, the legality control, the signed PDF; this agreement's own figures
# (document number, stated share and expenses, open-data publication, formal notice, termination).


def renewal_refusal(convention: Convention) -> str | None:
    """Return, in French, why ``convention`` cannot be renewed now, or None when it can."""
    renewal = Convention.objects.filter(renewed_from=convention).only("reference").first()
    if renewal is not None:
        return _("La convention %(reference)s a déjà été renouvelée : la convention %(renewal)s en est le "
                 "renouvellement. Une convention ne se renouvelle qu'une fois.") % {
            "reference": convention.reference, "renewal": renewal.reference}
    if convention.status not in RENEWABLE_STATES:
        return _("Seule une convention votée peut être renouvelée ; celle-ci est « %(status)s ».") % {
            "status": convention.get_status_display().lower()}
    return None


def next_year_reference(convention: Convention) -> str:
    """Return the reference of the renewal: the year in it moved on by one (« AMP-2026-ENV-JPH »), unused."""
    year, next_year = str(convention.fiscal_year), str(convention.fiscal_year + 1)
    if re.search(rf"(?<!\d){year}(?!\d)", convention.reference):
        base = re.sub(rf"(?<!\d){year}(?!\d)", next_year, convention.reference, count=1)
    else:
        base = f"{convention.reference}-{next_year}"
    reference, number = base, 2
    while Convention.objects.filter(reference=reference).exists():
        reference, number = f"{base}-{number}", number + 1
    return reference


def _next_year(day: date | None) -> date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _copy_indicator_set(source: Convention, year: int) -> IndicatorSet | None:
    """Make the source's indicator set available for ``year`` (copied when that year has none); return it."""
    indicator_set = indicator_set_for(source)
    if indicator_set is None or indicator_set.year >= year:
        return indicator_set
    existing = IndicatorSet.objects.filter(name=indicator_set.name, structure_type=indicator_set.structure_type,
                                           year=year).first()
    return existing or indicator_set_copy(indicator_set=indicator_set, year=year)


def _lines_of(budget: Budget) -> list[LineInput]:
    return [LineInput(line.code, line.amount, line.label, line.funding_status, line.is_granting_funder)
            for line in BudgetLine.objects.filter(budget=budget).in_chart_order()]


def _forecast_lines(convention: Convention) -> list[LineInput]:
    budget = Budget.objects.filter(convention=convention, kind=BudgetKind.FORECAST).first()
    return _lines_of(budget) if budget is not None else []


@transaction.atomic
def convention_renew(*, convention: Convention, user) -> Convention:
    """Copy ``convention`` into next year's draft, linked to it; refuse a second renewal (French message)."""
    source = Convention.objects.select_for_update().get(pk=convention.pk)
    refusal = renewal_refusal(source)
    if refusal:
        raise ValidationError(refusal)
    year = source.fiscal_year + 1
    renewal = Convention(
        reference=next_year_reference(source), fiscal_year=year, status=Status.DRAFT, renewed_from=source,
        period_start=_next_year(source.period_start), period_end=_next_year(source.period_end),
        **{name: getattr(source, name) for name in COPIED_FIELDS},
    )
    renewal.full_clean(validate_unique=False)
    renewal._history_user = user
    renewal._change_reason = _("Renouvellement de la convention %(reference)s") % {"reference": source.reference}
    renewal.save()
    StatusChange.objects.create(convention=renewal, from_status="", to_status=Status.DRAFT, by=user,
                                comment=renewal._change_reason)
    clauses = [ConventionClause(convention=renewal, source=c.source, number=c.number, title=c.title, body=c.body,
                                position=c.position) for c in source.clauses.all()]
    if clauses:
        bulk_create_with_history(clauses, ConventionClause, default_user=user)
    _copy_indicator_set(source, year)
    lines = _forecast_lines(source)
    if lines:
        budget = budget_get_or_create(convention=renewal, kind=BudgetKind.FORECAST)
        budget_save_lines(budget=budget, lines=lines, user=user, expected_version=budget.version)
    return renewal


@transaction.atomic
def renewal_budget_copy(*, convention: Convention, user, year: int | None = None) -> Budget:
    """Start ``convention``'s forecast budget (of ``year``, for a multi-year agreement) from last year's.

    Last year's is ``budgets.selectors.previous_forecast``: the previous year of a multi-year
    agreement, the agreement it renews, or else the association's previous agreement with the
    funder. Refused, in French, when there is none with lines, and once the new budget has lines
    (nothing is overwritten).
    """
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    source = previous_forecast(convention, year)
    if source is None:
        raise ValidationError(_("Il n'y a pas de budget prévisionnel de l'année précédente à reprendre pour cette "
                                "convention."))
    budget = budget_get_or_create(convention=convention, kind=BudgetKind.FORECAST, year=year)
    if budget.lines.exists():
        raise ValidationError(_("Le budget prévisionnel contient déjà des lignes : il ne peut plus partir du budget "
                                "de l'année précédente. Modifiez-le directement."))
    return budget_save_lines(budget=budget, lines=_lines_of(source), user=user, expected_version=budget.version)
