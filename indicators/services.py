"""Writes on indicator sets and reports: every change to a report goes through here."""

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from beneficiaries.duties import review_conflict
from core.deadlines import justification_due_date
from indicators.bounds import check_definition_count, check_value_count
from indicators.models import (
    REPORT_TRANSITIONS,
    IndicatorDefinition,
    IndicatorReport,
    IndicatorSet,
    IndicatorSubmission,
    IndicatorValue,
    ReportStatus,
    Role,
    SubmissionOutcome,
    SubmittedValue,
    ValueType,
)
from indicators.rules import Figures, report_errors

VALUE_FIELDS = [f.name for f in fields(Figures)]


@dataclass(frozen=True)
class DefinitionInput:
    code: str
    label: str
    value_type: str = ValueType.COUNT
    unit: str = ""
    split_by_sex: bool = False
    help_text: str = ""
    is_required: bool = True
    bands: list[tuple[str, str]] = field(default_factory=list)
    of_which: list[tuple[str, str]] = field(default_factory=list)


@transaction.atomic
def indicator_set_upsert(*, name: str, structure_type: str, year: int, introduction: str = "",
                         is_default: bool = False, definitions: list[DefinitionInput]) -> IndicatorSet:
    """Create or update a set and its definitions, each with its bands and « dont » parts."""
    codes = set(IndicatorDefinition.objects.filter(
        indicator_set__name=name, indicator_set__structure_type=structure_type, indicator_set__year=year,
    ).values_list("code", flat=True))
    for definition in definitions:
        codes.add(definition.code)
        codes.update(f"{definition.code}.{code}" for code, _label in [*definition.bands, *definition.of_which])
    check_definition_count(len(codes))
    indicator_set, _created = IndicatorSet.objects.update_or_create(
        name=name, structure_type=structure_type, year=year,
        defaults={"introduction": introduction, "is_default": is_default},
    )
    position = 0
    for definition in definitions:
        position += 10
        parent, _created = IndicatorDefinition.objects.update_or_create(
            indicator_set=indicator_set, code=definition.code,
            defaults={
                "label": definition.label, "value_type": definition.value_type, "unit": definition.unit,
                "split_by_sex": definition.split_by_sex, "help_text": definition.help_text,
                "is_required": definition.is_required, "role": Role.MAIN, "parent": None, "position": position,
            },
        )
        for role, children in ((Role.BAND, definition.bands), (Role.OF_WHICH, definition.of_which)):
            for code, label in children:
                position += 1
                IndicatorDefinition.objects.update_or_create(
                    indicator_set=indicator_set, code=f"{definition.code}.{code}",
                    defaults={
                        "label": label, "value_type": definition.value_type, "unit": definition.unit,
                        "split_by_sex": False, "role": role, "parent": parent, "position": position,
                        "is_required": role == Role.BAND and definition.is_required, "help_text": "",
                    },
                )
    return indicator_set


@transaction.atomic
def indicator_set_copy(*, indicator_set: IndicatorSet, year: int | None = None) -> IndicatorSet:
    """Copy a set and all its definitions to ``year`` (by default the next year)."""
    year = year or indicator_set.year + 1
    if IndicatorSet.objects.filter(name=indicator_set.name, structure_type=indicator_set.structure_type, year=year).exists():
        raise ValidationError(_("Le jeu « %(name)s » existe déjà pour %(year)s.") % {"name": indicator_set.name, "year": year})
    is_default = indicator_set.is_default and not IndicatorSet.objects.filter(year=year, is_default=True).exists()
    copy = IndicatorSet.objects.create(
        name=indicator_set.name, structure_type=indicator_set.structure_type, year=year,
        introduction=indicator_set.introduction, is_default=is_default,
    )
    copied = {}
    definitions = list(indicator_set.definitions.order_by("parent_id", "position", "pk"))
    for definition in sorted(definitions, key=lambda d: d.parent_id is not None):
        old_pk, old_parent = definition.pk, definition.parent_id
        definition.pk = None
        definition.indicator_set = copy
        definition.parent = copied.get(old_parent)
        definition.save()
        copied[old_pk] = definition
    return copy


def indicator_set_for(convention, year: int | None = None) -> IndicatorSet | None:
    """Return the set the year's report of ``convention`` uses, or None when no set applies.

    The one rule for « which indicators are asked »: the report opened at notification, the
    portal and annex V of the agreement (printed before the report exists) all read it. The
    set is that of the association's structure type (its last report), else the default set.
    """
    year = year or convention.fiscal_year
    last = (
        IndicatorReport.objects.of_beneficiary(convention.beneficiary_id)
        .select_related("indicator_set").order_by("-year", "period_label").first()
    )
    candidates = (
        IndicatorSet.objects.filter(structure_type=last.indicator_set.structure_type)
        if last else IndicatorSet.objects.filter(is_default=True)
    )
    return candidates.filter(year__lte=year).order_by("-year").first() or candidates.order_by("year").first()


def _resolve_set(convention, year: int) -> IndicatorSet:
    """Return the set a new report uses (``indicator_set_for``), or refuse in French when none applies."""
    found = indicator_set_for(convention, year)
    if found is None:
        raise ValidationError(_(
            "Aucun jeu d'indicateurs ne s'applique à cette convention pour %(year)s : "
            "créez-en un (ou marquez-en un « par défaut ») dans l'administration."
        ) % {"year": year})
    return found


def indicator_report_years(convention) -> list[int]:
    """Return the years a report is owed for: each year of a multi-year agreement's schedule, else its fiscal year."""
    if convention.is_multiannual:
        years = sorted(convention.tranches.values_list("year", flat=True))
        if years:
            return years
    return [convention.fiscal_year]


def indicator_reports_open(*, convention, user=None) -> list[IndicatorReport]:
    """Open the report of every year owed (``indicator_report_years``), each due six months after its year.

    A year for which no indicator set applies owes no report (as for a one-year agreement).
    """
    reports = []
    for year in indicator_report_years(convention):
        with contextlib.suppress(ValidationError):
            reports.append(indicator_report_open(convention=convention, year=year, user=user))
    return reports


@transaction.atomic
def indicator_report_open(*, convention, year: int | None = None,
                          indicator_set: IndicatorSet | None = None, user=None) -> IndicatorReport:
    """Open the yearly report of ``convention`` (idempotent), due with the justification documents.

    Called when the agreement becomes active. The set is ``indicator_set`` if given, else the
    one of the association's structure type for the year, else the default set of the year.
    """
    year = year or convention.fiscal_year
    existing = IndicatorReport.objects.filter(convention=convention, year=year, period_label="").first()
    if existing is not None:
        return existing
    report = IndicatorReport(
        convention=convention, year=year, indicator_set=indicator_set or _resolve_set(convention, year),
        due_on=justification_due_date(convention, year), status=ReportStatus.DRAFT,
    )
    check_value_count(report.indicator_set.definitions.count())
    if user is not None:
        report._history_user = user
    report.save()
    bulk_create_with_history(
        [IndicatorValue(report=report, definition=d) for d in report.indicator_set.definitions.all()], IndicatorValue,
        default_user=user,
    )
    return report


def _locked(report: IndicatorReport) -> IndicatorReport:
    """Return ``report`` re-read under a row lock, so that two requests cannot both move it."""
    return IndicatorReport.objects.select_for_update().select_related("indicator_set").get(pk=report.pk)


def _refusal(report: IndicatorReport, to: str) -> str:
    """Return, in French, why ``report`` cannot move to ``to``."""
    if to in (ReportStatus.VALIDATED, ReportStatus.RETURNED):
        return _("Seul un rapport transmis peut être validé ou renvoyé ; celui-ci est « %(status)s ».") % {
            "status": report.get_status_display()}
    if report.status == ReportStatus.VALIDATED:
        return _("Ce rapport a été validé : il ne peut plus être modifié.")
    return _("Ce rapport a déjà été transmis : il ne peut plus être modifié, sauf s'il vous est renvoyé pour correction.")


def _move(report: IndicatorReport, to: str, reason: str, by=None) -> None:
    """Move ``report`` to ``to`` if its pipeline allows it, else refuse saying why; the audit row
    (django-simple-history) records who and why."""
    if to not in REPORT_TRANSITIONS[report.status]:
        raise ValidationError(_refusal(report, to))
    report.status = to
    report._change_reason = reason
    if by is not None:
        report._history_user = by


def _refuse_unless_editable(report: IndicatorReport) -> None:
    if not report.is_editable:
        raise ValidationError(_refusal(report, ReportStatus.SUBMITTED))


def _check(report: IndicatorReport, figures: Mapping[str, Figures], *, submitting: bool) -> list[IndicatorDefinition]:
    definitions = list(report.indicator_set.definitions.all())
    check_value_count(len(definitions))
    errors = report_errors(definitions, figures, submitting=submitting)
    if errors:
        raise ValidationError(errors)
    return definitions


def _store(report: IndicatorReport, definitions: list[IndicatorDefinition], figures: Mapping[str, Figures],
           by=None) -> None:
    """Write ``figures`` into the report's values, one row per definition; the audit names ``by``."""
    rows = {v.definition_id: v for v in report.values.all()}
    created, updated = [], []
    for definition in definitions:
        entry = figures.get(definition.code, Figures())
        row = rows.get(definition.pk) or IndicatorValue(report=report, definition=definition)
        for name in VALUE_FIELDS:
            setattr(row, name, getattr(entry, name) if name in definition.parts else Figures().get(name))
        (updated if row.pk else created).append(row)
    if created:
        bulk_create_with_history(created, IndicatorValue, default_user=by)
    if updated:
        bulk_update_with_history(updated, IndicatorValue, VALUE_FIELDS, default_user=by)


@transaction.atomic
def indicator_report_save(*, report: IndicatorReport, figures: Mapping[str, Figures], by=None) -> IndicatorReport:
    """Save the association's draft figures (keyed by definition code), checked but possibly incomplete."""
    report = _locked(report)
    _refuse_unless_editable(report)
    definitions = _check(report, figures, submitting=False)
    _store(report, definitions, figures, by)
    return report


@transaction.atomic
def indicator_report_submit(*, report: IndicatorReport, by=None,
                            figures: Mapping[str, Figures] | None = None) -> IndicatorSubmission:
    """Submit the report to the funder, with ``figures`` if given (else those saved), and freeze a copy.

    Every submission is kept with its figures: a report returned and submitted again has two.
    """
    report = _locked(report)
    _refuse_unless_editable(report)
    if figures is None:
        figures = {v.definition.code: Figures.of(v) for v in report.values.select_related("definition")}
    definitions = _check(report, figures, submitting=True)
    _store(report, definitions, figures, by)
    now = timezone.now()
    _move(report, ReportStatus.SUBMITTED, str(ReportStatus.SUBMITTED.label), by)
    report.submitted_at = now
    report.save()
    submission = IndicatorSubmission(
        report=report, number=report.submissions.count() + 1, submitted_at=now, submitted_by=by,
    )
    if by is not None:
        submission._history_user = by
    submission.save()
    bulk_create_with_history(
        [SubmittedValue(submission=submission, definition=d, **{n: getattr(figures.get(d.code, Figures()), n)
                                                                for n in VALUE_FIELDS})
         for d in definitions],
        SubmittedValue, default_user=by,
    )
    return submission


def validation_conflict(report: IndicatorReport, user) -> str | None:
    """Return why ``user`` may not validate ``report``: they sent its last submission, or belong to
    its association. The validation asks it; the review page shows the reason instead of the button."""
    # The review page prefetches the submissions with who sent them: read them, do not ask again.
    submission = max(report.submissions.all(), key=lambda s: s.number, default=None)
    return review_conflict(user, beneficiary=report.convention.beneficiary,
                           submitted_by=submission.submitted_by if submission else None,
                           what=_("ce rapport d'indicateurs"))


def _review(report: IndicatorReport, *, to: str, by, comment: str, outcome: str) -> IndicatorReport:
    if not (by and by.has_perm("indicators.change_indicatorreport")):
        raise ValidationError(_("Seul un agent habilité peut valider ou renvoyer un rapport d'indicateurs."))
    report = _locked(report)
    # Returning stays open to a conflicted reviewer: the association corrects, someone else validates.
    if to == ReportStatus.VALIDATED and report.status == ReportStatus.SUBMITTED and (
            conflict := validation_conflict(report, by)):
        raise ValidationError(conflict, code="conflict")
    _move(report, to, str(ReportStatus(to).label), by)  # the comment is kept on the report; the reason stays short
    now = timezone.now()
    report.review_comment, report.reviewed_by, report.reviewed_at = comment, by, now
    report.save()
    submission = report.submissions.order_by("-number").first()
    submission.outcome, submission.review_comment = outcome, comment
    submission.reviewed_by, submission.reviewed_at = by, now
    submission._history_user = by
    submission.save()
    return report


@transaction.atomic
def indicator_report_validate(*, report: IndicatorReport, by, comment: str = "") -> IndicatorReport:
    """Accept the submitted figures; refused to whoever sent them or belongs to the association."""
    return _review(report, to=ReportStatus.VALIDATED, by=by, comment=comment.strip(), outcome=SubmissionOutcome.VALIDATED)


@transaction.atomic
def indicator_report_return(*, report: IndicatorReport, by, comment: str) -> IndicatorReport:
    """Send the report back to the association for correction, saying what to correct."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Indiquez à l'association ce qu'elle doit corriger.")})
    return _review(report, to=ReportStatus.RETURNED, by=by, comment=comment, outcome=SubmissionOutcome.RETURNED)


@transaction.atomic
def indicator_report_record(*, convention, indicator_set: IndicatorSet, year: int, values: dict[str, Decimal | str],
                            period_label: str = "", status: str = ReportStatus.DRAFT) -> IndicatorReport:
    """Record figures reported outside the software (a previous period's), keyed by definition code.

    Taken as they were printed: no pipeline, but the same checks as a draft.
    """
    report, _created = IndicatorReport.objects.update_or_create(
        convention=convention, year=year, period_label=period_label,
        defaults={"indicator_set": indicator_set, "status": status},
    )
    definitions = {d.code: d for d in indicator_set.definitions.all()}
    figures = {
        code: Figures(text=value) if definitions[code].value_type == ValueType.TEXT else Figures(total=Decimal(value))
        for code, value in values.items()
    }
    _store(report, _check(report, figures, submitting=False), figures)
    return report
