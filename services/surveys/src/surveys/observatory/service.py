"""The public observatory page's content: public indicators, as everyone may read them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.labels import CIRCLE
from contracts.territory import REGION_NAMES
from kit.identity import Identity, Role
from surveys.indicators.models import Indicator
from surveys.indicators.repository import indicator_repository
from surveys.indicators.service import indicator_service
from surveys.observatory.charts import Point, bar_chart, format_number, line_chart
from surveys.observatory.schemas import Chart, IndicatorCard, Row

#: The page reads as the public does: the same suppression, published waves only.
PUBLIC = Identity(subject="observatory-page", role=Role.ANONYMOUS)
#: The cuts drawn as bars for the latest wave.
CUTS = ("region", "circle")
PAGE_SIZE = 50


def _text(labels: dict[str, Any] | None, language: str) -> str:
    labels = labels or {}
    return str(labels.get(language) or labels.get("fr") or "")


def cut_label(by: str, value: Any, language: str, *, short: bool = False) -> str:
    if value is None:
        return "non renseigné" if language == "fr" else "not given"
    if by == "region":
        return REGION_NAMES.get(str(value), str(value))
    if by == "circle":
        fr, en = CIRCLE.get(str(value), (str(value), str(value)))
        prefix = "Cercle" if language == "fr" else "Circle"
        return (
            f"{prefix} {value}" if short else f"{prefix} {value} · {en if language == 'en' else fr}"
        )
    return str(value)


def _rows(points: Sequence[Point], respondents: Sequence[int | None], language: str) -> list[Row]:
    return [
        Row(
            label=p.label,
            value=None if p.value is None else format_number(p.value, language),
            withheld=p.withheld,
            respondents=n,
        )
        for p, n in zip(points, respondents, strict=True)
    ]


class ObservatoryService:
    async def cards(self, session: AsyncSession, *, language: str) -> list[IndicatorCard]:
        indicators = await indicator_repository.list_after(
            session, public_only=True, series=None, after=None, limit=PAGE_SIZE
        )
        return [await self._card(session, i, language) for i in indicators]

    async def _card(
        self, session: AsyncSession, indicator: Indicator, language: str
    ) -> IndicatorCard:
        withheld = (
            "masqué (trop peu de réponses)" if language == "fr" else "withheld (too few answers)"
        )
        name = _text(indicator.name, language)
        unit = indicator.unit or ""
        waves = await indicator_service.values(
            session, indicator=indicator, identity=PUBLIC, by=None
        )
        points = [Point(w["wave"], w["value"], w["suppressed"]) for w in waves]
        top = 100.0 if unit == "%" else None
        line = Chart(
            svg=line_chart(
                points,
                chart_id=f"i{indicator.id.hex[:8]}-waves",
                title=name,
                unit=unit,
                withheld_label=withheld,
                language=language,
                top=top,
            ),
            caption="par vague" if language == "fr" else "by wave",
            rows=_rows(points, [w["respondents"] for w in waves], language),
        )
        cuts = []
        for by in CUTS if waves else ():
            valued = await indicator_service.values(
                session, indicator=indicator, identity=PUBLIC, by=by
            )
            latest = valued[-1]
            bars = [
                Point(cut_label(by, c["cut"], language, short=True), c["value"], c["suppressed"])
                for c in latest.get("cuts") or []
            ]
            table = [
                Point(cut_label(by, c["cut"], language), c["value"], c["suppressed"])
                for c in latest.get("cuts") or []
            ]
            if not bars:
                continue
            caption = self._cut_caption(by, latest["wave"], language)
            cuts.append(
                Chart(
                    svg=bar_chart(
                        bars,
                        chart_id=f"i{indicator.id.hex[:8]}-{by}",
                        title=f"{name} · {caption}",
                        unit=unit,
                        withheld_label=withheld,
                        language=language,
                        top=top,
                    ),
                    caption=caption,
                    rows=_rows(table, [c["respondents"] for c in latest["cuts"]], language),
                )
            )
        return IndicatorCard(indicator.id, name, unit, line, cuts)

    def _cut_caption(self, by: str, wave: str, language: str) -> str:
        if language == "en":
            return f"by {'region' if by == 'region' else 'circle'}, {wave}"
        return f"par {'région' if by == 'region' else 'cercle'}, {wave}"


observatory_service = ObservatoryService()
