"""A bar chart per indicator across years, drawn by the application's one chart engine (:mod:`core.charts`).

This module only prepares what to draw: one column per year (or period), the series (the
total, or women / men / not stated stacked where the figures are split), the figures written
the French way, the title, the description a screen reader reads and the table of the figures.
:func:`core.charts.column_chart` draws the SVG and :func:`core.charts.figure` puts it beside
its table.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core import charts
from indicators.models import PART_LABELS
from indicators.rules import display_number

WIDTH, HEIGHT = 360, 220
TENTH = Decimal("0.1")

#: Fill colours, each with a contrast of at least 4.5:1 on white (legible as text too).
COLOURS = {"total": "#0b5394", "women": "#8e2f7a", "men": "#1f6b4f", "not_stated": "#5f6b78"}
STACK = ("women", "men", "not_stated")
SERIES_ORDER = ("total", *STACK)


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: list[str]


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    description: str
    series: list[charts.Series]
    columns: list[str]
    rows: list[TableRow]
    svg: SafeString

    @property
    def figure(self) -> SafeString:
        """Return the chart with its caption and the table of its figures."""
        return charts.figure(chart_id=self.slug, caption=self.title, svg=self.svg, row_heading=_("Année"),
                             columns=self.columns, rows=[(row.label, row.cells) for row in self.rows])


def compact(value: Decimal) -> str:
    """Return a short French label for an axis or a bar: ``81 M``, ``110 000``, ``12,5``."""
    if abs(value) >= Decimal("1e6"):
        return f"{display_number((value / Decimal('1e6')).quantize(TENTH).normalize())}\u00a0M"
    return display_number(value)


def _stack(figures) -> dict[str, Decimal]:
    """Return the segments of one column: the non-zero parts of a split, otherwise the total."""
    parts = {part: figures.get(part) for part in STACK if figures.get(part)} if figures.has_split else {}
    return parts or {"total": figures.total}


def indicator_chart(definition, points) -> Chart | None:
    """Return the chart of ``definition`` over ``points`` (oldest first), or None if nothing to draw."""
    points = [p for p in points if p.figures.total is not None]
    if not points or not definition.is_numeric:
        return None
    split = any(p.figures.has_split for p in points)
    stacks = [_stack(p.figures) for p in points]
    drawn = [part for part in SERIES_ORDER if any(part in stack for stack in stacks)]
    series = [charts.Series(str(PART_LABELS[part]), COLOURS[part]) for part in drawn]
    unit = f" ({definition.unit})" if definition.unit else ""
    slug = f"graphique-{definition.code.replace('.', '-')}"
    title = _("%(label)s%(unit)s, par année") % {"label": definition.label, "unit": unit}
    description = " ; ".join(_describe(p.label, p.figures) for p in points) + "."
    svg = charts.column_chart(
        chart_id=slug, title=title, description=description, categories=[p.label for p in points],
        series=series, values=[[stack.get(part, Decimal(0)) for part in drawn] for stack in stacks],
        value_format=compact, totals=[p.figures.total for p in points],
        highlight={index for index, p in enumerate(points) if p.is_current}, legend=split,
        width=WIDTH, height=HEIGHT,
    )
    columns = ["total", *(STACK if split else ())]
    rows = [TableRow(label=p.label, cells=[display_number(p.figures.get(c)) for c in columns]) for p in points]
    return Chart(slug=slug, title=title, description=description, series=series,
                 columns=[str(PART_LABELS[c]) for c in columns], rows=rows, svg=svg)


def _describe(label: str, figures) -> str:
    """Return « 2023 : 120 (femmes 50, hommes 70) », what a screen reader says of one bar."""
    text = f"{label} : {display_number(figures.total)}"
    if figures.has_split:
        split = ", ".join(f"{str(PART_LABELS[part]).lower()} {display_number(figures.get(part))}"
                          for part in STACK if figures.get(part) is not None)
        text += f" ({split})"
    return text


def report_charts(definitions, history) -> list[Chart]:
    """Return the charts of a report's main numeric indicators, over the association's history."""
    drawn = []
    for definition in definitions:
        if definition.parent_id is None and definition.is_numeric:
            chart = indicator_chart(definition, history.get(definition.code, []))
            if chart is not None:
                drawn.append(chart)
    return drawn
