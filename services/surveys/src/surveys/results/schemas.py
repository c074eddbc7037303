"""What the results API takes and gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from surveys.results.suppression import MIN_K


class ResultsPublish(BaseModel):
    """Publish a survey's results: from then on everyone reads them, small cells withheld."""

    model_config = ConfigDict(extra="forbid")

    k: Annotated[int, Field(ge=MIN_K, le=1000)] | None = Field(
        None,
        description="Withhold every figure of fewer respondents (at least 3; default: the "
        "survey's current setting, 5 at first).",
    )


class ResultSettingsRead(BaseModel):
    survey_id: uuid.UUID
    k: int
    published: bool
    published_at: datetime | None = None


class SurveyResults(BaseModel):
    """Every question's figures. Withheld figures are null with ``suppressed: true``."""

    survey_id: uuid.UUID
    series: str | None
    version: int | None = Field(None, description="The version the figures are limited to.")
    k: int | None = Field(None, description="The threshold applied (null: staff see all).")
    published: bool
    filters: dict[str, list[Any]]
    respondents: int | None
    response_rate: dict[str, Any]
    questions: list[dict[str, Any]]


class Crosstab(BaseModel):
    """One question by one or two attributes: counts and shares per cut."""

    survey_id: uuid.UUID
    question: str
    type: str
    by: list[str]
    k: int | None
    filters: dict[str, list[Any]]
    columns: list[Any] = []
    rows: list[dict[str, Any]]
    total: dict[str, Any]
