"""The one SVG chart engine of the application: columns and bars, stacked or not, no JavaScript, no CDN.

Every chart of the staff dashboard and of the indicator pages is drawn here. Each is an inline
``<svg class="chart" role="img">`` with a ``<title>`` and a ``<desc>`` (and a ``<title>`` per
bar, shown on hover); the page that shows a chart also shows its data as a table, which is what
screen readers and keyboards use (:func:`figure` wraps a chart with such a table). Callers give
the series, the labels and how to format a value (euros, percentages, French numbers); the
geometry is computed here only, in ``Decimal`` like every figure of the application, rounded to
a tenth of a pixel.
"""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from core.money import format_euros

PIXEL = Decimal("0.1")
ZERO = Decimal("0")
#: Colours with a contrast of at least 4.5:1 on white (WCAG 1.4.11 asks 3:1 for graphics).
PALETTE = ("#1f5fa8", "#a34f00", "#5c5c5c", "#2e7d32", "#7b1fa2")
LABEL_CHARS = 34
LEGEND_LINE = 18
#: Width of a character of an axis label (11 px sans-serif), to size the left margin.
TICK_CHAR = 7
#: Width of a character of a legend label (12 px sans-serif, capitals included).
LEGEND_CHAR = 8


@dataclass(frozen=True)
class Series:
    label: str
    color: str


def _px(value: Decimal) -> str:
    """Return a coordinate as text, rounded to a tenth of a pixel."""
    return f"{Decimal(value).quantize(PIXEL):f}"


def nice_maximum(value: Decimal) -> Decimal:
    """Return the smallest 1, 2 or 5 × 10ⁿ at least ``value`` (the top of the axis)."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    for step in (1, 2, 5, 10):
        top = Decimal(step).scaleb(exponent)
        if top >= value:
            return top
    return Decimal(10).scaleb(exponent)  # pragma: no cover - the loop always returns


def nice_step(maximum: Decimal, intervals: int = 4) -> Decimal:
    """Return a round tick step (1, 2 or 5 × 10ⁿ) covering ``maximum`` in at most ``intervals``."""
    if maximum <= 0:
        return Decimal(1)
    raw = Decimal(maximum) / intervals
    power = Decimal(1).scaleb(raw.adjusted())
    for factor in (1, 2, 5, 10):
        if power * factor >= raw:
            return power * factor
    return power * 10  # pragma: no cover - unreachable: 10 × power always covers raw


def axis_ticks(maximum: Decimal, intervals: int = 4) -> list[Decimal]:
    """Return the values of a column chart's horizontal lines, from 0 to the first round step at least ``maximum``."""
    step = nice_step(maximum, intervals)
    count = int((Decimal(maximum) / step).to_integral_value(ROUND_CEILING)) or 1
    return [step * index for index in range(count + 1)]


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-labelledby="{chart_id}-title '
        f'{chart_id}-desc" width="{width}" height="{height}" viewBox="0 0 {width} {height}" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _legend(series: Sequence[Series], x: int, y: int, right_edge: int | None = None) -> tuple[list[str], int]:
    """Return the legend's swatches and labels, wrapped before ``right_edge``, and its number of lines."""
    parts, offset, lines = [], x, 1
    for item in series:
        item_w = 17 + LEGEND_CHAR * len(item.label)
        if right_edge is not None and offset > x and offset + item_w > right_edge:
            offset, y, lines = x, y + LEGEND_LINE, lines + 1
        parts.append(f'<rect x="{offset}" y="{y - 10}" width="12" height="12" fill="{item.color}"/>')
        parts.append(f'<text x="{offset + 17}" y="{y}" font-size="12" fill="#222">{escape(item.label)}</text>')
        offset += item_w + 13
    return parts, lines


def column_chart(*, chart_id: str, title: str, description: str, categories: Sequence[str],
                 series: Sequence[Series], values: Sequence[Sequence[Decimal]],
                 value_format: Callable[[Decimal], str] = format_euros,
                 totals: Sequence[Decimal] | None = None, highlight: Collection[int] = (),
                 legend: bool | None = None, width: int = 640, height: int = 320) -> SafeString:
    """Return vertical stacked bars: one column per category, one segment per series.

    ``values[i][j]`` is the value of series ``j`` in category ``i`` (a zero draws no segment).
    ``totals``, when given, are written above each column (e.g. the reported total of figures
    split by sex). The labels of the categories at the ``highlight`` indexes are bold (e.g. the
    year under review). The legend is drawn when there are several series, unless ``legend``
    says otherwise. Horizontal lines fall on round steps of the values.
    """
    right, bottom = 12, 36
    stacks = [sum((Decimal(v) for v in row), ZERO) for row in values]
    ticks = axis_ticks(max([*stacks, *(Decimal(t) for t in totals or ())], default=ZERO))
    maximum = ticks[-1]
    tick_labels = [value_format(tick) for tick in ticks]
    left = max(40, 16 + TICK_CHAR * max(len(label) for label in tick_labels))
    parts = _open(chart_id, title, description, width, height)
    legend_lines = 0
    if legend if legend is not None else len(series) > 1:
        legend_parts, legend_lines = _legend(series, left, 16, width - right)
        parts += legend_parts
    top = 20 + 16 * legend_lines
    plot_w, plot_h = Decimal(width - left - right), Decimal(height - top - bottom)
    for tick, label in zip(ticks, tick_labels, strict=True):
        y = top + plot_h - plot_h * tick / maximum
        parts.append(f'<line x1="{left}" y1="{_px(y)}" x2="{width - right}" y2="{_px(y)}" stroke="#d0d0d0"/>')
        parts.append(f'<text x="{left - 6}" y="{_px(y + 4)}" font-size="11" text-anchor="end" fill="#333">'
                     f'{escape(label)}</text>')
    band = plot_w / max(len(categories), 1)
    bar_w = min(band * Decimal("0.6"), Decimal(72))
    for index, (category, row) in enumerate(zip(categories, values, strict=True)):
        x = left + band * index + (band - bar_w) / 2
        y = top + plot_h
        for item, value in zip(series, row, strict=True):
            h = plot_h * Decimal(value) / maximum
            if h <= 0:
                continue
            y -= h
            parts.append(
                f'<rect x="{_px(x)}" y="{_px(y)}" width="{_px(bar_w)}" height="{_px(h)}" fill="{item.color}" '
                f'stroke="#fff"><title>{escape(category)} — {escape(item.label)} : {escape(value_format(value))}'
                f'</title></rect>')
        if totals is not None:
            parts.append(f'<text x="{_px(x + bar_w / 2)}" y="{_px(y - 5)}" font-size="12" font-weight="700" '
                         f'text-anchor="middle" fill="#222">{escape(value_format(totals[index]))}</text>')
        weight = ' font-weight="700"' if index in highlight else ""
        parts.append(f'<text x="{_px(x + bar_w / 2)}" y="{height - bottom + 18}" font-size="12"{weight} '
                     f'text-anchor="middle" fill="#222">{escape(category)}</text>')
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" stroke="#333"/>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def bar_chart(*, chart_id: str, title: str, description: str, rows: Sequence[tuple[str, Sequence[Decimal]]],
              series: Sequence[Series], value_format: Callable[[Decimal], str] = format_euros,
              maximum: Decimal | None = None, threshold: tuple[Decimal, str] | None = None,
              width: int = 640) -> SafeString:
    """Return horizontal bars, stacked when there are several series: one bar per row.

    ``rows`` are (label, values per series). ``threshold`` draws a labelled dashed line, e.g.
    the 50 % of the association's budget above which certified accounts are due.
    """
    label_w, right, top, row_h = 230, 90, 36 if len(series) > 1 else 16, 26
    height = top + row_h * max(len(rows), 1) + 24
    plot_w = Decimal(width - label_w - right)
    totals = [sum((Decimal(v) for v in values), ZERO) for _label, values in rows]
    top_value = maximum if maximum is not None else nice_maximum(max(totals, default=ZERO))
    parts = _open(chart_id, title, description, width, height)
    if len(series) > 1:
        parts += _legend(series, label_w, 16)[0]
    for index, ((label, values), total) in enumerate(zip(rows, totals, strict=True)):
        y = top + row_h * index
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" font-size="12" text-anchor="end" fill="#222">'
                     f'<title>{escape(label)}</title>{escape(_shorten(label))}</text>')
        x = Decimal(label_w)
        for item, value in zip(series, values, strict=True):
            w = plot_w * min(Decimal(value), top_value) / top_value
            if w <= 0:
                continue
            parts.append(
                f'<rect x="{_px(x)}" y="{y + 4}" width="{_px(w)}" height="{row_h - 8}" fill="{item.color}" '
                f'stroke="#fff"><title>{escape(label)} — {escape(item.label)} : {escape(value_format(value))}'
                f'</title></rect>')
            x += w
        parts.append(f'<text x="{_px(x + 6)}" y="{y + 16}" font-size="12" fill="#222">'
                     f'{escape(value_format(total))}</text>')
    axis_y = top + row_h * len(rows)
    parts.append(f'<line x1="{label_w}" y1="{top}" x2="{label_w}" y2="{axis_y}" stroke="#333"/>')
    if threshold is not None:
        value, text = threshold
        tx = label_w + plot_w * value / top_value
        parts.append(f'<line x1="{_px(tx)}" y1="{top - 4}" x2="{_px(tx)}" y2="{axis_y}" stroke="#a30000" '
                     f'stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{_px(tx)}" y="{axis_y + 16}" font-size="11" text-anchor="middle" fill="#a30000">'
                     f'{escape(text)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def figure(*, chart_id: str, caption: str, svg: SafeString, row_heading: str, columns: Sequence[str],
           rows: Sequence[tuple[str, Sequence[str]]], summary: str | None = None) -> SafeString:
    """Return ``svg`` in a ``<figure>`` with its caption, and its data as a table under a ``<details>``.

    ``rows`` are (label, formatted cells); ``row_heading`` heads the labels' column.
    """
    head = format_html_join("", '<th scope="col" class="num">{}</th>', ((column,) for column in columns))
    body = format_html_join("", "<tr>{}</tr>", (
        (format_html('<th scope="row">{}</th>{}', label,
                     format_html_join("", '<td class="num">{}</td>', ((cell,) for cell in cells))),)
        for label, cells in rows))
    return format_html(
        '<figure class="chart-figure" aria-labelledby="{id}-caption">'
        '<figcaption id="{id}-caption">{caption}</figcaption>{svg}'
        '<details class="chart-figures"><summary>{summary}</summary><table class="table">'
        '<caption class="sr-only">{caption}</caption>'
        '<thead><tr><th scope="col">{row_heading}</th>{head}</tr></thead><tbody>{body}</tbody></table></details>'
        '</figure>',
        id=chart_id, caption=caption, svg=svg, summary=summary or _("Les chiffres du graphique"),
        row_heading=row_heading, head=head, body=body)
