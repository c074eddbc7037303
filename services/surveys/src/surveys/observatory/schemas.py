"""What the observatory page shows: each public indicator as a line, bars and tables."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from markupsafe import Markup


@dataclass(frozen=True)
class Row:
    """A line of a table under a chart: a label and the figure (None: withheld or absent)."""

    label: str
    value: str | None
    withheld: bool
    respondents: int | None


@dataclass(frozen=True)
class Chart:
    svg: Markup
    caption: str
    rows: list[Row]


@dataclass(frozen=True)
class IndicatorCard:
    id: uuid.UUID
    name: str
    unit: str
    waves: Chart
    cuts: list[Chart] = field(default_factory=list)
