"""Charts drawn on the server as SVG: a line across waves, bars per cut.

No chart service and no script: the page embeds the SVG as it is. Every text is escaped. A
withheld figure is never drawn as zero: the line breaks there and shows a hollow marker labelled
as withheld; the bar is replaced by a dashed outline and the word. Each chart carries a
``<title>`` and ``<desc>`` for assistive technology; the page puts a table under it as well.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
LINE_HEIGHT = 260
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 56, 16, 16, 40
BAR_ROW = 28
BAR_LABEL_WIDTH = 180
TICKS = 4
#: Colours as SVG attributes (the pages' CSP allows no inline style), from kit's palette.
INK, MUTED, BRAND, LINE, WARN = "#1b1f24", "#4a5561", "#0b5cab", "#c9d1d9", "#7a4b00"


@dataclass(frozen=True)
class Point:
    """One figure of a chart: a wave (line) or a cut (bar). ``value`` is None when withheld."""

    label: str
    value: float | None
    withheld: bool = False


def format_number(value: float, language: str) -> str:
    """A figure as people read it: at most one decimal, French decimal comma."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if language == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def nice_ceiling(value: float) -> float:
    """The round number (1, 2, 2.5 or 5 times a power of ten) at or above ``value``."""
    if value <= 0:
        return 1.0
    magnitude: float = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _top(points: Sequence[Point], fixed_top: float | None) -> float:
    shown = [p.value for p in points if p.value is not None and not p.withheld]
    return fixed_top if fixed_top is not None else nice_ceiling(max(shown, default=0.0))


def _chart(height: int, chart_id: str, title: str, description: str, body: list[str]) -> Markup:
    ident = escape(chart_id)
    # Safe: every text that reaches the SVG went through escape() above or in the callers.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" class="chart" font-family="system-ui, sans-serif" '
        f'font-size="12" fill="{INK}" aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def line_chart(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    unit: str,
    withheld_label: str,
    language: str = "fr",
    top: float | None = None,
) -> Markup:
    """One indicator across waves: a polyline broken wherever a wave is withheld or missing."""
    height = LINE_HEIGHT
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = height - MARGIN_TOP - MARGIN_BOTTOM
    ceiling = _top(points, top)
    step = plot_w / max(len(points) - 1, 1)

    def x_of(index: int) -> float:
        return MARGIN_LEFT + (index * step if len(points) > 1 else plot_w / 2)

    def y_of(value: float) -> float:
        return MARGIN_TOP + plot_h * (1 - min(value, ceiling) / ceiling)

    body = _y_axis(ceiling, plot_h, unit, language, left=MARGIN_LEFT, right=WIDTH - MARGIN_RIGHT)
    segments: list[list[tuple[float, float]]] = [[]]
    for index, point in enumerate(points):
        x = x_of(index)
        body.append(
            f'<text class="axis" fill="{MUTED}" x="{x:.1f}" y="{height - MARGIN_BOTTOM + 18}" '
            f'text-anchor="middle">{escape(point.label)}</text>'
        )
        if point.value is None or point.withheld:
            segments.append([])
            if point.withheld:
                body.append(_withheld_marker(x, MARGIN_TOP + plot_h / 2, withheld_label))
            continue
        y = y_of(point.value)
        segments[-1].append((x, y))
        shown = format_number(point.value, language)
        body.append(
            f'<circle class="point" fill="{BRAND}" cx="{x:.1f}" cy="{y:.1f}" r="4"><title>'
            f"{escape(point.label)}: {escape(shown)} {escape(unit)}</title></circle>"
            f'<text class="value" x="{x:.1f}" y="{y - 9:.1f}" text-anchor="middle">'
            f"{escape(shown)}</text>"
        )
    for segment in segments:
        if len(segment) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
            body.insert(
                0,
                f'<polyline class="line" fill="none" stroke="{BRAND}" stroke-width="2.5" '
                f'points="{path}"/>',
            )
    description = "; ".join(_describe(p, unit, withheld_label, language) for p in points)
    return _chart(height, chart_id, title, description, body)


def bar_chart(
    bars: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    unit: str,
    withheld_label: str,
    language: str = "fr",
    top: float | None = None,
) -> Markup:
    """One wave of an indicator by cut (région, circle): a horizontal bar per cut."""
    height = MARGIN_TOP + BAR_ROW * max(len(bars), 1) + MARGIN_BOTTOM
    left = BAR_LABEL_WIDTH
    plot_w = WIDTH - left - MARGIN_RIGHT - 48
    ceiling = _top(bars, top)
    body = _x_axis(ceiling, plot_w, unit, language, left=left, bottom=height - MARGIN_BOTTOM)
    for index, bar in enumerate(bars):
        y = MARGIN_TOP + index * BAR_ROW
        middle = y + BAR_ROW / 2
        body.append(
            f'<text class="axis" x="{left - 8}" y="{middle + 4:.1f}" text-anchor="end">'
            f"{escape(bar.label)}</text>"
        )
        if bar.value is None or bar.withheld:
            if bar.withheld:
                body.append(
                    f'<rect class="withheld" x="{left}" y="{y + 5}" width="{plot_w:.1f}" '
                    f'height="{BAR_ROW - 10}" fill="none" stroke="{WARN}" '
                    f'stroke-dasharray="4 3"/>'
                    f'<text class="withheld-label" fill="{WARN}" font-style="italic" '
                    f'x="{left + 8}" y="{middle + 4:.1f}">'
                    f"{escape(withheld_label)}</text>"
                )
            continue
        width = plot_w * min(bar.value, ceiling) / ceiling
        shown = format_number(bar.value, language)
        body.append(
            f'<rect class="bar" fill="{BRAND}" x="{left}" y="{y + 5}" width="{width:.1f}" '
            f'height="{BAR_ROW - 10}"><title>{escape(bar.label)}: {escape(shown)} '
            f"{escape(unit)}</title></rect>"
            f'<text class="value" x="{left + width + 6:.1f}" y="{middle + 4:.1f}">'
            f"{escape(shown)}</text>"
        )
    description = "; ".join(_describe(b, unit, withheld_label, language) for b in bars)
    return _chart(height, chart_id, title, description, body)


def _describe(point: Point, unit: str, withheld_label: str, language: str) -> str:
    if point.withheld:
        return f"{point.label}: {withheld_label}"
    if point.value is None:
        return f"{point.label}: —"
    return f"{point.label}: {format_number(point.value, language)} {unit}".strip()


def _withheld_marker(x: float, y: float, label: str) -> str:
    return (
        f'<circle class="withheld" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="none" '
        f'stroke="{WARN}" stroke-dasharray="2 2"/><text class="withheld-label" fill="{WARN}" '
        f'font-style="italic" x="{x:.1f}" '
        f'y="{y + 18:.1f}" text-anchor="middle">{escape(label)}</text>'
    )


def _ticks(ceiling: float) -> list[float]:
    return [ceiling * i / TICKS for i in range(TICKS + 1)]


def _y_axis(
    ceiling: float, plot_h: float, unit: str, language: str, *, left: float, right: float
) -> list[str]:
    out = []
    for tick in _ticks(ceiling):
        y = MARGIN_TOP + plot_h * (1 - tick / ceiling)
        out.append(
            f'<line class="grid" stroke="{LINE}" x1="{left}" x2="{right}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(format_number(tick, language))}</text>"
        )
    out.append(
        f'<text class="unit" x="4" y="{MARGIN_TOP - 4}">{escape(unit)}</text>' if unit else ""
    )
    return out


def _x_axis(
    ceiling: float, plot_w: float, unit: str, language: str, *, left: float, bottom: float
) -> list[str]:
    out = []
    for tick in _ticks(ceiling):
        x = left + plot_w * tick / ceiling
        out.append(
            f'<line class="grid" stroke="{LINE}" x1="{x:.1f}" x2="{x:.1f}" y1="{MARGIN_TOP}" '
            f'y2="{bottom}"/>'
            f'<text class="axis" x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">'
            f"{escape(format_number(tick, language))}</text>"
        )
    if unit:
        out.append(
            f'<text class="unit" x="{left + plot_w:.1f}" y="{bottom + 32}" '
            f'text-anchor="end">{escape(unit)}</text>'
        )
    return out
