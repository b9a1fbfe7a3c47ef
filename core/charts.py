"""Small server-side SVG charts for the staff pages: bars and stacked bars, no JavaScript, no CDN.

Each chart is an inline ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` (and a
``<title>`` per bar, shown on hover); the page that shows a chart also shows its data as a
table, which is what screen readers and keyboards use. Geometry is computed in ``Decimal``
like every figure of the application, rounded to a tenth of a pixel.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.money import format_euros

PIXEL = Decimal("0.1")
ZERO = Decimal("0")
#: Colours with a contrast of at least 4.5:1 on white (WCAG 1.4.11 asks 3:1 for graphics).
PALETTE = ("#1f5fa8", "#a34f00", "#5c5c5c", "#2e7d32", "#7b1fa2")
LABEL_CHARS = 34


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


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def _legend(series: Sequence[Series], x: int, y: int) -> list[str]:
    parts, offset = [], x
    for item in series:
        parts.append(f'<rect x="{offset}" y="{y - 10}" width="12" height="12" fill="{item.color}"/>')
        parts.append(f'<text x="{offset + 17}" y="{y}" font-size="12" fill="#222">{escape(item.label)}</text>')
        offset += 30 + 7 * len(item.label)
    return parts


def column_chart(*, chart_id: str, title: str, description: str, categories: Sequence[str],
                 series: Sequence[Series], values: Sequence[Sequence[Decimal]],
                 value_format: Callable[[Decimal], str] = format_euros,
                 width: int = 640, height: int = 320) -> SafeString:
    """Return vertical stacked bars: one column per category, one segment per series.

    ``values[i][j]`` is the value of series ``j`` in category ``i``.
    """
    left, right, top, bottom = 96, 12, 36, 36
    plot_w, plot_h = Decimal(width - left - right), Decimal(height - top - bottom)
    totals = [sum((Decimal(v) for v in row), ZERO) for row in values]
    maximum = nice_maximum(max(totals, default=ZERO))
    parts = _open(chart_id, title, description, width, height)
    parts += _legend(series, left, 16)
    for tick in range(5):
        value = maximum * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(f'<line x1="{left}" y1="{_px(y)}" x2="{width - right}" y2="{_px(y)}" stroke="#d0d0d0"/>')
        parts.append(f'<text x="{left - 6}" y="{_px(y + 4)}" font-size="11" text-anchor="end" fill="#333">'
                     f'{escape(value_format(value))}</text>')
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
        parts.append(f'<text x="{_px(x + bar_w / 2)}" y="{height - bottom + 18}" font-size="12" '
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
        parts += _legend(series, label_w, 16)
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
