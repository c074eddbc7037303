"""What the indicators API takes and gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from surveys.indicators.measures import MeasureKind
from surveys.questionnaires.schemas import Code, Label

Answer = Annotated[str, Field(max_length=50)] | int


class IndicatorCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Label
    series: Annotated[str, Field(min_length=1, max_length=100)]
    question: Code
    measure: MeasureKind
    answers: Annotated[list[Answer], Field(max_length=50)] = Field(
        [], description="For a share: the choice codes (or scale points) counted."
    )
    unit: Annotated[str, Field(max_length=30)] | None = None
    public: bool = False


class IndicatorUpdate(BaseModel):
    """A change: the fields sent replace the current ones."""

    model_config = ConfigDict(extra="forbid")

    name: Label | None = None
    answers: Annotated[list[Answer], Field(max_length=50)] | None = None
    unit: Annotated[str, Field(max_length=30)] | None = None
    public: bool | None = None


class IndicatorRead(IndicatorCreate):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int


class WaveValue(BaseModel):
    """The indicator in one wave; ``value`` null with ``suppressed`` when withheld."""

    survey_id: uuid.UUID
    wave: str
    title: dict[str, Any]
    value: float | None
    respondents: int | None
    suppressed: bool
    cuts: list[dict[str, Any]] | None = None


class IndicatorValues(IndicatorRead):
    by: str | None
    waves: list[WaveValue]


class PanelMove(BaseModel):
    actor_id: uuid.UUID
    name: str | None
    before: Any
    after: Any
    moved: str = Field(description="up, down, same, joined, left (share: in/out of answers)")


class PanelStep(BaseModel):
    """Actors who answered two consecutive waves, and how their answer moved."""

    from_wave: str
    to_wave: str
    actors: int
    moves: dict[str, int]
    items: list[PanelMove]


class IndicatorPanel(BaseModel):
    indicator_id: uuid.UUID
    steps: list[PanelStep]
