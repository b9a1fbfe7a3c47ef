"""A bar chart per indicator across years, as geometry for an inline SVG (no JavaScript, no CDN).

Where the figures are split women / men, the bars are stacked. The template
``indicators/indicator_chart.html`` draws the SVG, with a title, a description and the figures
as a table, from what :func:`indicator_chart` returns.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.utils.translation import gettext as _

from indicators.models import PART_LABELS
from indicators.rules import display_number

WIDTH, HEIGHT = 360, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 10, 18, 40
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
MAX_BAR = Decimal("56")
PIXEL = Decimal("0.1")

#: Fill colours, each with a contrast of at least 4.5:1 on white (legible as text too).
COLOURS = {"total": "#0b5394", "women": "#8e2f7a", "men": "#1f6b4f", "not_stated": "#5f6b78"}
STACK = ("women", "men", "not_stated")


@dataclass(frozen=True)
class Segment:
    part: str
    colour: str
    y: Decimal
    height: Decimal
    value: Decimal


@dataclass(frozen=True)
class Bar:
    label: str
    x: Decimal
    width: Decimal
    centre: Decimal
    top: Decimal
    total_label: str
    is_current: bool
    segments: list[Segment]


@dataclass(frozen=True)
class Tick:
    y: Decimal
    label: str


@dataclass(frozen=True)
class TableRow:
    label: str
    cells: list[str]


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    description: str
    bars: list[Bar]
    ticks: list[Tick]
    legend: list[tuple[str, str]]
    columns: list[str]
    rows: list[TableRow]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: int = HEIGHT - BOTTOM
    label_y: int = HEIGHT - BOTTOM + 16


def compact(value: Decimal) -> str:
    """Return a short French label for an axis or a bar: ``81 M``, ``110 000``, ``12,5``."""
    if abs(value) >= Decimal("1e6"):
        return f"{display_number((value / Decimal('1e6')).quantize(PIXEL).normalize())}\u00a0M"
    return display_number(value)


def nice_step(maximum: Decimal, intervals: int = 4) -> Decimal:
    """Return a round tick step (1, 2 or 5 times a power of ten) covering ``maximum`` in ``intervals``."""
    if maximum <= 0:
        return Decimal("1")
    raw = maximum / intervals
    power = Decimal(1).scaleb(raw.adjusted())
    for factor in (1, 2, 5, 10):
        if power * factor >= raw:
            return power * factor
    return power * 10  # pragma: no cover - unreachable: 10 × power always covers raw


def _px(value: Decimal) -> Decimal:
    return value.quantize(PIXEL)


def indicator_chart(definition, points) -> Chart | None:
    """Return the chart of ``definition`` over ``points`` (oldest first), or None if nothing to draw."""
    points = [p for p in points if p.figures.total is not None]
    if not points or not definition.is_numeric:
        return None
    split = any(p.figures.has_split for p in points)
    step = nice_step(max(p.figures.total for p in points))
    top_value = step * (max(p.figures.total for p in points) / step).to_integral_value(ROUND_CEILING) or step
    scale = Decimal(PLOT_HEIGHT) / top_value
    slot = Decimal(PLOT_WIDTH) / len(points)
    width = min(MAX_BAR, slot * Decimal("0.6"))
    baseline = Decimal(HEIGHT - BOTTOM)

    bars = []
    for index, point in enumerate(points):
        x = LEFT + slot * index + (slot - width) / 2
        figures, segments, y = point.figures, [], baseline
        parts = [(part, figures.get(part)) for part in STACK if figures.get(part)] if figures.has_split else []
        for part, value in parts or [("total", figures.total)]:
            height = Decimal(value) * scale
            y -= height
            segments.append(Segment(part=part, colour=COLOURS[part], y=_px(y), height=_px(height), value=value))
        bars.append(Bar(
            label=point.label, x=_px(x), width=_px(width), centre=_px(x + width / 2),
            top=_px(baseline - figures.total * scale), total_label=compact(figures.total),
            is_current=point.is_current, segments=segments,
        ))
    ticks = [
        Tick(y=_px(baseline - step * i * scale), label=compact(step * i))
        for i in range(int(top_value / step) + 1)
    ]
    legend = []
    if split:
        used = [part for part in STACK if any(p.figures.get(part) for p in points)]
        if any(not p.figures.has_split for p in points):
            used.insert(0, "total")
        legend = [(str(PART_LABELS[part]), COLOURS[part]) for part in used]
    columns = ["total", *(STACK if split else ())]
    rows = [TableRow(label=p.label, cells=[display_number(p.figures.get(c)) for c in columns]) for p in points]
    unit = f" ({definition.unit})" if definition.unit else ""
    return Chart(
        slug=f"graphique-{definition.code.replace('.', '-')}",
        title=_("%(label)s%(unit)s, par année") % {"label": definition.label, "unit": unit},
        description=" ; ".join(_describe(p.label, p.figures) for p in points) + ".",
        bars=bars, ticks=ticks, legend=legend,
        columns=[str(PART_LABELS[c]) for c in columns], rows=rows,
    )


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
    charts = []
    for definition in definitions:
        if definition.parent_id is None and definition.is_numeric:
            chart = indicator_chart(definition, history.get(definition.code, []))
            if chart is not None:
                charts.append(chart)
    return charts
