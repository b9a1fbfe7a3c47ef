"""Reads for the review page, the portal and the charts: a report beside its history."""

from dataclasses import dataclass

from django.db.models import Prefetch, Q

from indicators.models import (
    IndicatorReport,
    IndicatorSubmission,
    IndicatorValue,
    ReportStatus,
    SubmittedValue,
)
from indicators.rules import Change, Figures, change_between

#: Earlier reports whose figures count as history: the funder has them (drafts do not count).
HISTORY_STATES = (ReportStatus.SUBMITTED, ReportStatus.VALIDATED)


@dataclass(frozen=True)
class Point:
    """The figures of one indicator in one report: a bar of its chart."""

    label: str
    year: int
    is_period: bool
    is_current: bool
    figures: Figures


@dataclass(frozen=True)
class Comparison:
    """One indicator of the report under review, beside the previous year's and period's."""

    definition: object
    current: Figures
    previous_year: Figures | None
    previous_period: Figures | None

    @property
    def change(self) -> Change | None:
        """Return the change of the total since the previous year."""
        return change_between(self.current.total, self.previous_year.total if self.previous_year else None)

    @property
    def period_change(self) -> Change | None:
        return change_between(self.current.total, self.previous_period.total if self.previous_period else None)


def report_for_review(pk) -> IndicatorReport:
    """Return report ``pk`` with what the review page shows, in a fixed number of queries."""
    return (
        IndicatorReport.objects.select_related(
            "convention__beneficiary", "convention__funder", "indicator_set", "reviewed_by"
        )
        .prefetch_related(
            "indicator_set__definitions",
            Prefetch(
                "submissions",
                IndicatorSubmission.objects.select_related("submitted_by", "reviewed_by").prefetch_related(
                    Prefetch("values", SubmittedValue.objects.select_related("definition"))
                ).order_by("-number"),
            ),
        )
        .get(pk=pk)
    )


def report_history(report: IndicatorReport) -> dict[str, list[Point]]:
    """Return, per indicator code, the association's figures up to the report's year, oldest first.

    Figures are matched by code across sets, so the previous period's record (annex IV) and the
    yearly reports line up. One query.
    """
    values = (
        IndicatorValue.objects.filter(
            report__convention__beneficiary_id=report.convention.beneficiary_id, report__year__lte=report.year,
        )
        .filter(Q(report__status__in=HISTORY_STATES) | Q(report=report))
        .select_related("report", "definition")
    )
    history: dict[str, list[Point]] = {}
    for value in sorted(values, key=lambda v: (v.report.year, v.report.period_label == "", v.report.pk)):
        history.setdefault(value.definition.code, []).append(Point(
            label=value.report.label, year=value.report.year, is_period=bool(value.report.period_label),
            is_current=value.report_id == report.pk, figures=Figures.of(value),
        ))
    return history


def current_figures(history: dict[str, list[Point]]) -> dict[str, Figures]:
    return {code: p.figures for code, points in history.items() for p in points if p.is_current}


def previous_year_figures(report: IndicatorReport, history: dict[str, list[Point]]) -> dict[str, Figures]:
    """Return the figures of the association's report for the year before, by code."""
    return {
        code: p.figures for code, points in history.items() for p in points
        if p.year == report.year - 1 and not p.is_period and not p.is_current
    }


def previous_period(report: IndicatorReport, history: dict[str, list[Point]]) -> tuple[str, dict[str, Figures]]:
    """Return the label and the figures of the latest multi-year record before the report's year."""
    periods = [p for points in history.values() for p in points if p.is_period and p.year < report.year]
    if not periods:
        return "", {}
    label = max(periods, key=lambda p: p.year).label
    return label, {code: p.figures for code, points in history.items() for p in points if p.label == label and p.is_period}


def comparisons(report: IndicatorReport, history: dict[str, list[Point]]) -> tuple[str, list[Comparison]]:
    """Return the previous period's label and one comparison per definition of the report's set."""
    current = current_figures(history)
    last_year = previous_year_figures(report, history)
    period_label, period = previous_period(report, history)
    rows = [
        Comparison(
            definition=d, current=current.get(d.code, Figures()),
            previous_year=last_year.get(d.code), previous_period=period.get(d.code),
        )
        for d in report.indicator_set.definitions.all()
    ]
    return period_label, rows
