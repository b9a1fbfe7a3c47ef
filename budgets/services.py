"""Writes on budgets: every change to lines and every step of a budget's review goes through here.

A budget is drafted by the association (draft, or returned for correction), submitted, then
validated or returned by the instructing agent — never validated by who deposited it, nor by a
member of the association (``beneficiaries.duties``). Each step checks its guard, raises a
``ValidationError`` with a French message when refused, and leaves an audit record (the
budget's history, with who and why).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from beneficiaries.duties import review_conflict
from budgets import chart, rules
from budgets.bounds import check_line_count
from budgets.imports import import_lines
from budgets.models import (
    Budget,
    BudgetKind,
    BudgetLine,
    BudgetScope,
    BudgetStatus,
    FundingStatus,
    unknown_amount_refusal,
)
from conventions.notifications import association_recipients, notify
from core.audit import delete_with_history
from core.money import format_euros, format_percent

#: Fields a line carries besides its natural key (account code, label).
LINE_VALUE_FIELDS = ["amount", "funding_status", "is_granting_funder", "explanation", "position"]
#: What a save may change on a line it finds by identity (``LineInput.line_id``): its key too, and its link.
LINE_IDENTITY_FIELDS = ["code", "label", "forecast_line_id"]
REVIEW_PERMISSION = "budgets.change_budget"


@dataclass(frozen=True)
class LineInput:
    code: str
    amount: Decimal | None  # None: not given (« non renseigné »), for a co-funder asked only
    label: str = ""
    funding_status: str = ""
    is_granting_funder: bool = False
    explanation: str = ""
    #: The saved line this input stands for (the portal's row of a saved line): found by it, not by
    #: (account, label), so that renaming it keeps it — and the forecast line it realises.
    line_id: int | None = None
    #: On an actual budget, the forecast line this line realises; None keeps the saved link.
    forecast_line_id: int | None = None


#: The query parameter naming the year of a multi-year agreement's budget in the portal (« ?annee=2026 »).
YEAR_PARAMETER = "annee"


def budget_year(convention, year: int | None) -> int | None:
    """Return the year a budget of ``convention`` is of: None for a one-year agreement; for a multi-year
    one, ``year`` (one of its tranches' years) or, by default, its first year. Refuses another year in French."""
    if not convention.is_multiannual:
        return None
    years = set(convention.tranches.values_list("year", flat=True))
    if not years and year is None:  # taken over without years: its budgets are the agreement's
        return None
    year = year or convention.fiscal_year
    if year not in years:
        raise ValidationError(_("L'année %(year)s n'est pas une année de cette convention pluriannuelle.")
                              % {"year": year}, code="year")
    return year


def budget_year_asked(convention, raw: str | None) -> int | None:
    """Return the year a page asks for (``?annee=2026``, as typed) of ``convention``'s budgets.

    A multi-year agreement: one of its years, by default its first (``budget_year``). A one-year
    agreement has none (None), and asking it for another year than its exercise is refused. Refused
    in French (``ValidationError``) for a malformed year too; pages answer 404.
    """
    if raw is not None and not (raw.isascii() and raw.isdigit() and len(raw) == 4):
        raise ValidationError(_("Année inconnue."), code="year")
    year = int(raw) if raw is not None else None
    if not convention.is_multiannual:
        if year not in (None, convention.fiscal_year):
            raise ValidationError(_("Cette convention n'a pas d'autre année que son exercice."), code="year")
        return None
    return budget_year(convention, year)


def budget_get_or_create(*, convention, kind: str = BudgetKind.FORECAST, scope: str = BudgetScope.GLOBAL,
                         year: int | None = None) -> Budget:
    """Return the agreement's budget of ``kind`` (of ``year``, for a multi-year agreement), created if needed."""
    budget, _created = Budget.objects.get_or_create(
        convention=convention, kind=kind, year=budget_year(convention, year), defaults={"scope": scope})
    return budget


@transaction.atomic
def budget_replace_lines(*, budget: Budget, lines: Iterable[LineInput]) -> list[BudgetLine]:
    """Replace every line of ``budget`` by ``lines``, keeping their order (data taken over).

    Refused for the forecast budget of a signed agreement: it is annex I of what was signed.
    """
    ensure_budget_unfrozen(budget)
    lines = list(lines)
    check_line_count(len(lines))
    budget.lines.all().delete()
    objs = []
    for index, line in enumerate(lines, start=1):
        obj = BudgetLine(
            budget=budget, code=line.code, label=line.label,
            amount=None if line.amount is None else Decimal(line.amount),
            funding_status=line.funding_status, is_granting_funder=line.is_granting_funder,
            explanation=line.explanation, position=index,
        )
        if not obj.label:
            obj.label = obj.account.label
        obj.full_clean(exclude=["budget"])  # clean() checks an unknown amount against the budget's kind
        objs.append(obj)
    return bulk_create_with_history(objs, BudgetLine)


# --- Guards ----------------------------------------------------------------------------------


def _locked(budget: Budget) -> Budget:
    """Return ``budget`` reloaded and locked for the rest of the transaction."""
    return Budget.objects.select_for_update(of=("self",)).select_related("convention__funder").get(pk=budget.pk)


def budget_editable_by_association(budget: Budget) -> bool:
    """Return True when the association may still change ``budget`` (the portal's form and « À faire »).

    Not once it is the forecast of a signed agreement (annex I of what was signed), nor while it
    is deposited or validated (until the instructing agent returns it).
    """
    return not budget_is_frozen(budget) and budget.is_editable


def _require_editable(budget: Budget) -> None:
    ensure_budget_unfrozen(budget)  # the forecast of a signed agreement is annex I of what was signed
    if not budget_editable_by_association(budget):
        raise ValidationError(
            _("Ce budget est %(status)s : il ne peut plus être modifié tant que le service instructeur "
              "ne l'a pas renvoyé pour correction.") % {"status": budget.get_status_display().lower()},
            code="locked",
        )


def stale_version_error() -> ValidationError:
    """Return the refusal of a save made from a page older than the budget (or without its version)."""
    return ValidationError(
        _("Ce budget a été modifié par quelqu'un d'autre depuis l'ouverture de la page. "
          "Rechargez la page, puis refaites vos changements."),
        code="stale",
    )


def _require_version(budget: Budget, expected_version: int | None) -> None:
    """Refuse a save from a page opened at another version (``None``: a caller with no page)."""
    if expected_version is not None and expected_version != budget.version:
        raise stale_version_error()


def _require_agreement(budget: Budget) -> None:
    """Refuse the review steps for an application's budget: it is deposited and corrected with its application."""
    if budget.convention_id is None:
        raise ValidationError(
            _("Ce budget est celui d'une candidature : il est déposé avec elle, et le service instructeur "
              "en demande la correction depuis la candidature."), code="application_budget")


def _require_reviewer(user) -> None:
    if user is None or not user.has_perm(REVIEW_PERMISSION):
        raise ValidationError(_("Seul le service instructeur peut valider ou renvoyer un budget."), code="forbidden")


def validation_conflict(budget: Budget, user) -> str | None:
    """Return why ``user`` may not validate ``budget``: they deposited it, or belong to its association.

    The budget's validation asks it; the admin shows the reason instead of the « Valider » button.
    """
    return review_conflict(user, beneficiary=budget.beneficiary, submitted_by=budget.submitted_by,
                           what=_("ce budget"))


def _record(budget: Budget, *, user, reason: str, **changes) -> Budget:
    """Save ``changes`` on the budget with a new version and an audit record (who and why)."""
    for name, value in changes.items():
        setattr(budget, name, value)
    budget.version += 1
    budget._history_user = user
    budget._change_reason = reason
    budget.save(update_fields=[*changes, "version", "updated_at"])
    return budget


# --- Lines -----------------------------------------------------------------------------------


def _checked_lines(lines: Iterable[LineInput], *, kind: str) -> list[tuple[int | None, BudgetLine]]:
    """Return unsaved lines built from ``lines`` for a budget of ``kind``, each with the saved line it
    stands for (``LineInput.line_id``), or raise every problem found, in French."""
    lines = list(lines)
    check_line_count(len(lines))
    built, errors, seen = [], [], {}
    for position, line in enumerate(lines, start=1):
        account = chart.ACCOUNTS.get(line.code)
        if account is None:
            errors.append(_("Le compte « %(code)s » n'existe pas dans le plan du Cerfa.") % {"code": line.code})
            continue
        label = (line.label or "").strip() or account.label
        key = (line.code, label)
        if key in seen:
            errors.append(_("La ligne « %(code)s %(label)s » figure deux fois.") % {"code": line.code, "label": label})
            continue
        seen[key] = position
        amount = None if line.amount is None else Decimal(line.amount)
        funding_status = line.funding_status if account.is_cofunder_line else ""
        if amount is None:
            refusal = unknown_amount_refusal(kind=kind, code=line.code, funding_status=funding_status)
            if refusal:
                errors.append(_("Ligne « %(code)s %(label)s » : %(refusal)s") % {
                    "code": line.code, "label": label, "refusal": refusal})
                continue
        elif amount < 0:
            errors.append(_("Le montant de la ligne « %(code)s %(label)s » ne peut pas être négatif.")
                          % {"code": line.code, "label": label})
            continue
        if line.funding_status and line.funding_status not in FundingStatus.values:
            errors.append(_("État de financement inconnu pour la ligne « %(label)s ».") % {"label": label})
            continue
        built.append((line.line_id, BudgetLine(
            code=line.code, label=label[:255], amount=amount,
            funding_status=funding_status,
            is_granting_funder=bool(line.is_granting_funder) and account.is_cofunder_line,
            explanation=(line.explanation or "").strip(), position=position,
            forecast_line_id=line.forecast_line_id if kind == BudgetKind.ACTUAL else None,
        )))
    if errors:
        raise ValidationError(errors, code="invalid_lines")
    return built


def _sync_lines(*, budget: Budget, lines: list[tuple[int | None, BudgetLine]], user) -> None:
    """Make the budget's lines equal ``lines``, matching them on the saved line they stand for, else
    on (account, label); a line found by identity may be renamed, and keeps its forecast line.

    Unchanged lines are left alone, so the history shows only what really changed.
    """
    saved = {line.pk: line for line in budget.lines.all()}
    found = {index: saved.pop(line_id) for index, (line_id, _line) in enumerate(lines) if line_id in saved}
    by_key = {(line.code, line.label): line for line in saved.values()}
    pairs = []
    for index, (_line_id, line) in enumerate(lines):
        current = found.get(index) or by_key.pop((line.code, line.label), None)
        if current is not None:
            saved.pop(current.pk, None)
            if line.forecast_line_id is None:
                line.forecast_line_id = current.forecast_line_id  # the link is kept unless the row gives one
        pairs.append((current, line))
    _check_forecast_links(budget, [line for _current, line in pairs])
    fields = LINE_VALUE_FIELDS + LINE_IDENTITY_FIELDS
    to_create, to_update = [], []
    for current, line in pairs:
        if current is None:
            line.budget = budget
            to_create.append(line)
        elif any(getattr(current, name) != getattr(line, name) for name in fields):
            for name in fields:
                setattr(current, name, getattr(line, name))
            to_update.append(current)
    if saved:
        delete_with_history(BudgetLine.objects.filter(pk__in=list(saved)), user=user)
    if to_update:
        try:
            with transaction.atomic():  # a savepoint: the refusal below leaves the transaction usable
                bulk_update_with_history(to_update, BudgetLine, fields, default_user=user)
        except IntegrityError as exc:  # two saved lines swapping their labels meet on the way
            raise ValidationError(_("Deux lignes échangent leur compte et libellé : renommez-les l'une après "
                                    "l'autre, en enregistrant entre les deux."), code="swap") from exc
    if to_create:
        bulk_create_with_history(to_create, BudgetLine, default_user=user)


def _check_forecast_links(budget: Budget, lines: list[BudgetLine]) -> None:
    """Refuse a link to a line that is not of the budget's forecast (same agreement and year), or
    two lines realising the same forecast line, in French."""
    linked = [line for line in lines if line.forecast_line_id is not None]
    if not linked:
        return
    forecast = dict(
        BudgetLine.objects.filter(budget__convention=budget.convention_id, budget__kind=BudgetKind.FORECAST,
                                  budget__year=budget.year).values_list("pk", "label"))
    errors, seen = [], {}
    for line in linked:
        if line.forecast_line_id not in forecast:
            errors.append(_("La ligne « %(code)s %(label)s » réalise une ligne qui n'est pas de son budget "
                            "prévisionnel.") % {"code": line.code, "label": line.label})
        elif line.forecast_line_id in seen:
            errors.append(_("La ligne prévue « %(forecast)s » est réalisée deux fois : par « %(first)s » et par "
                            "« %(second)s ». Une ligne prévue n'a qu'une ligne réalisée.") % {
                "forecast": forecast[line.forecast_line_id], "first": seen[line.forecast_line_id],
                "second": line.label})
        else:
            seen[line.forecast_line_id] = line.label
    if errors:
        raise ValidationError(errors, code="invalid_lines")


@transaction.atomic
def budget_save_lines(*, budget: Budget, lines: Iterable[LineInput], user, expected_version: int | None = None) -> Budget:
    """Save the lines of a budget as a draft; allowed while it is a draft or returned.

    ``expected_version``, when given, refuses the save if someone changed the budget since the
    page was opened. Nothing is saved if any line is refused.
    """
    budget = _locked(budget)
    _require_editable(budget)
    _require_version(budget, expected_version)
    _sync_lines(budget=budget, lines=_checked_lines(lines, kind=budget.kind), user=user)
    return _record(budget, user=user, reason=_("Enregistrement du brouillon"))


@transaction.atomic
def budget_create_actual(*, convention, user, year: int | None = None) -> Budget:
    """Create the actual budget (compte rendu financier) mirroring the forecast, amounts to fill.

    For a multi-year agreement, that of ``year`` (by default its first year), from that year's forecast.
    """
    year = budget_year(convention, year)
    if Budget.objects.filter(convention=convention, kind=BudgetKind.ACTUAL, year=year).exists():
        if year is not None:
            raise ValidationError(_("Le compte rendu financier %(year)s de cette convention existe déjà.")
                                  % {"year": year}, code="exists")
        raise ValidationError(_("Le compte rendu financier de cette convention existe déjà."), code="exists")
    if not convention.is_signed:
        raise ValidationError(
            _("Le compte rendu financier ne peut être établi qu'une fois la convention signée."), code="not_signed"
        )
    forecast = Budget.objects.filter(convention=convention, kind=BudgetKind.FORECAST, year=year).first()
    if forecast is None or not forecast.lines.exists():
        raise ValidationError(_("Le budget prévisionnel est vide : il n'y a rien à reprendre."), code="no_forecast")
    actual = Budget(convention=convention, kind=BudgetKind.ACTUAL, scope=forecast.scope, year=year)
    actual._history_user = user
    actual._change_reason = _("Création du compte rendu financier à partir du budget prévisionnel")
    actual.save()
    lines = [
        BudgetLine(budget=actual, code=line.code, label=line.label, amount=Decimal("0.00"),
                   funding_status=line.funding_status, is_granting_funder=line.is_granting_funder,
                   position=line.position, forecast_line=line)
        for line in forecast.lines.in_chart_order()
    ]
    bulk_create_with_history(lines, BudgetLine, default_user=user)
    return actual


# --- Review ----------------------------------------------------------------------------------


def submission_problems(budget: Budget) -> list[str]:
    """Return why ``budget`` cannot be submitted (empty, unbalanced, variances unexplained).

    A co-funder's amount not given yet does not stop the deposit: the association has done its
    part, the page warns that the balance cannot be checked, and the instructing agent validates
    only once every amount is known (``validation_problems``). A budget that no amount still to
    come could balance (produits already above the charges, 86 ≠ 87) is refused, as any unbalanced one.
    """
    totals = rules.budget_totals(budget)
    if not totals.total_charges and not totals.total_products and not totals.unknown_amounts:
        return [_("Le budget est vide : saisissez au moins une ligne de charges et une ligne de produits.")]
    problems = [message for message in [rules.balance_message(totals)] if message and not totals.can_balance]
    if budget.kind == BudgetKind.ACTUAL:
        variances = rules.budget_variances(budget.convention, year=budget.year)
        for line in variances.missing_explanations:
            if line.is_unrealised:
                problems.append(unrealised_line_message(line))
                continue
            problems.append(
                _("Expliquez l'écart de la ligne « %(code)s %(label)s » (%(difference)s, %(percent)s ; "
                  "seuil : %(threshold)s %%).") % {
                    "code": line.code, "label": line.label, "difference": format_euros(line.difference),
                    "percent": format_percent(line.percent) if line.percent is not None else _("non prévue"),
                    "threshold": variances.threshold.normalize(),
                }
            )
    return problems


def unrealised_line_message(line: rules.LineVariance) -> str:
    """Return the refusal of a deposit while a forecast line has no actual line and no explanation."""
    return _("La ligne prévue « %(code)s %(label)s » (%(forecast)s) n'a pas de montant réalisé : laissez-la à "
             "%(zero)s et expliquez l'écart.") % {"code": line.code, "label": line.label,
                                                  "forecast": format_euros(line.forecast), "zero": format_euros(0)}


def validation_problems(budget: Budget) -> list[str]:
    """Return why ``budget`` cannot be validated: its deposit's problems, and any amount not given.

    Validating asserts the budget balanced (charges = produits, 86 = 87, DOMAIN.md §5): that needs
    every amount. A forecast is annex I of the agreement voted and signed.
    """
    problems = [message for message in [rules.unknown_lines_message(budget)] if message]
    if problems:
        totals = rules.budget_totals(budget)
        problems += [m for m in [rules.balance_message(totals)] if m]
    return problems + [p for p in submission_problems(budget) if p not in problems]


@transaction.atomic
def budget_submit(*, budget: Budget, user, expected_version: int | None = None) -> Budget:
    """Submit the budget to the instructing agent; refused while unbalanced or unexplained."""
    budget = _locked(budget)
    _require_agreement(budget)
    _require_editable(budget)
    _require_version(budget, expected_version)
    problems = submission_problems(budget)
    if problems:
        raise ValidationError(problems, code="not_submittable")
    return _record(budget, user=user, reason=_("Dépôt par l'association"), status=BudgetStatus.SUBMITTED,
                   submitted_by=user)


@transaction.atomic
def budget_return(*, budget: Budget, user, comment: str) -> Budget:
    """Return a submitted or validated budget to the association, saying what to correct."""
    _require_reviewer(user)
    budget = _locked(budget)
    _require_agreement(budget)
    ensure_budget_unfrozen(budget)
    if budget.status not in (BudgetStatus.SUBMITTED, BudgetStatus.VALIDATED):
        raise ValidationError(_("Seul un budget déposé ou validé peut être renvoyé à l'association."), code="state")
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Indiquez à l'association ce qu'elle doit corriger."), code="comment_required")
    budget = _record(budget, user=user, reason=comment, status=BudgetStatus.RETURNED, review_comment=comment)
    returns = budget.history.filter(status=BudgetStatus.RETURNED).count()
    notify(key=f"budget-returned:{budget.pk}:{returns}", convention=budget.convention,
           recipients=association_recipients(budget.convention), template="budget_returned",
           context={"budget": budget, "comment": comment, "budget_path": budget_portal_path(budget)})
    return budget


@transaction.atomic
def budget_validate(*, budget: Budget, user) -> Budget:
    """Validate a submitted budget; refused if it is no longer balanced, or to whoever deposited it
    or belongs to its association (returning it stays open to them: someone else validates)."""
    _require_reviewer(user)
    budget = _locked(budget)
    if budget.status != BudgetStatus.SUBMITTED:
        raise ValidationError(_("Seul un budget déposé peut être validé."), code="state")
    if conflict := validation_conflict(budget, user):
        raise ValidationError(conflict, code="conflict")
    problems = validation_problems(budget)
    if problems:
        raise ValidationError(problems, code="not_valid")
    return _record(budget, user=user, reason=_("Validation par le service instructeur"), status=BudgetStatus.VALIDATED)


def budget_import(*, budget: Budget, uploaded_file, user, expected_version: int | None = None):
    """Import a spreadsheet (XLSX or CSV) into ``budget``: everything or nothing.

    Returns an ``ImportSummary``; raises ``ValidationError`` (``BudgetImportError`` for errors
    per row and column) with French messages when the file or one of its rows is refused.
    ``expected_version``, when given, refuses a file sent from a page older than the budget.
    """
    with transaction.atomic():
        budget = _locked(budget)
        _require_editable(budget)
        _require_version(budget, expected_version)
        summary = import_lines(budget=budget, uploaded_file=uploaded_file, user=user)
        _record(budget, user=user, reason=_("Import du fichier « %(name)s »") % {"name": summary.file_name})
    return summary


def budget_portal_path(budget: Budget) -> str:
    """Return the path of ``budget``'s page in the association's portal (the link of the emails about it)."""
    name = "portal_budgets:actual" if budget.kind == BudgetKind.ACTUAL else "portal_budgets:forecast"
    path = reverse(name, args=[budget.convention_id])
    return f"{path}?{YEAR_PARAMETER}={budget.year}" if budget.year is not None else path


def budget_is_frozen(budget) -> bool:
    """Return True for the forecast budget of a signed agreement (annex I of what was signed)."""

    if budget.pk is None or budget.kind != BudgetKind.FORECAST or budget.convention_id is None:
        return False
    # A multi-year agreement annexes its first year's forecast; each later year's is filed in its year.
    annexed = budget.year is None or budget.year == budget.convention.fiscal_year
    return annexed and budget.convention.is_signed


def ensure_budget_unfrozen(budget) -> None:
    """Refuse to change the forecast budget of a signed agreement."""
    if budget_is_frozen(budget):
        raise ValidationError(
            _("Le budget prévisionnel est l'annexe I d'une convention signée : il ne peut plus être modifié "
              "que par un avenant.")
        )
