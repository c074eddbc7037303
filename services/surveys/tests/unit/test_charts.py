"""Server-drawn SVG charts, read back as XML (no I/O)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree

from surveys.observatory.charts import Point, bar_chart, format_number, line_chart, nice_ceiling

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> Element:
    return ElementTree.fromstring(str(markup))


def _texts(svg: Element, css_class: str) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text") if t.get("class") == css_class]


def test_line_follows_the_values_and_breaks_at_a_withheld_wave() -> None:
    points = [
        Point("2023", 40.0),
        Point("2024", 55.5),
        Point("2025", None, withheld=True),
        Point("2026", 60.0),
        Point("2027", 70.0),
    ]
    svg = _parse(line_chart(points, chart_id="i1", title="Part", unit="%", withheld_label="masqué"))

    assert svg.get("role") == "img"
    lines = [p.get("points") or "" for p in svg.iter(f"{SVG}polyline")]
    assert len(lines) == 2  # 2023-2024, then 2026-2027: nothing drawn through 2025
    ys = [float(pair.split(",")[1]) for line in lines for pair in line.split()]
    assert ys[0] > ys[1]  # 55.5 is drawn above 40 (SVG y grows downwards)
    assert _texts(svg, "value") == ["40", "55,5", "60", "70"]
    assert _texts(svg, "withheld-label") == ["masqué"]
    points_drawn = [c for c in svg.iter(f"{SVG}circle") if c.get("class") == "point"]
    assert len(points_drawn) == 4


def test_a_withheld_bar_is_an_outline_with_a_word_never_a_zero_bar() -> None:
    bars = [Point("Occitanie", 12.0), Point("Corse", None, withheld=True), Point("Bretagne", 0.0)]
    svg = _parse(
        bar_chart(bars, chart_id="i2", title="Par région", unit="%", withheld_label="withheld")
    )

    drawn = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert len(drawn) == 2  # Occitanie and a true zero for Bretagne
    assert float(drawn[1].get("width") or "1") == 0.0
    outlines = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "withheld"]
    assert len(outlines) == 1
    assert _texts(svg, "withheld-label") == ["withheld"]
    assert "Corse: withheld" in (svg.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]


def test_labels_are_escaped() -> None:
    markup = bar_chart(
        [Point("<script>alert(1)</script>", 3.0)],
        chart_id='x" onload="alert(1)',
        title="A & B",
        unit="€",
        withheld_label="masqué",
    )
    assert "<script>" not in markup
    svg = _parse(markup)
    assert svg.get("aria-labelledby", "").startswith('x" onload')
    assert svg.get("onload") is None


@pytest.mark.parametrize(
    ("value", "ceiling"), [(0, 1.0), (7, 10.0), (42, 50.0), (0.18, 0.2), (230, 250.0)]
)
def test_nice_ceiling(value: float, ceiling: float) -> None:
    assert nice_ceiling(value) == pytest.approx(ceiling)


def test_numbers_read_the_french_way() -> None:
    assert format_number(12345.67, "fr") == "12\u202f345,7"
    assert format_number(12345.67, "en") == "12,345.7"
