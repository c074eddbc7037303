"""What the surveys API takes and gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from contracts.text import ONE_LINE, TEXT
from contracts.vocabularies import SurveyStatus

QuestionType = Literal[
    "text", "long_text", "number", "single_choice", "multiple_choice", "scale", "date", "boolean"
]
Language = Literal["fr", "en"]


class Label(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fr: Annotated[str, Field(min_length=1, max_length=2000), TEXT]
    en: Annotated[str, Field(max_length=2000), TEXT] | None = None


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,50}$")]
    label: Label


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,50}$")]
    type: QuestionType
    label: Label
    required: bool = False
    choices: Annotated[list[Choice], Field(max_length=200)] = []
    show_if: dict[str, Any] | None = Field(
        None, description='Condition on an earlier answer, e.g. {"code": "q1", "equals": "yes"}.'
    )

    @model_validator(mode="after")
    def _choices_match_type(self) -> Question:
        needs_choices = self.type in ("single_choice", "multiple_choice")
        if needs_choices and not self.choices:
            raise ValueError(f"a {self.type} question needs choices")
        if not needs_choices and self.choices:
            raise ValueError(f"a {self.type} question takes no choices")
        return self


class SurveyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=300), ONE_LINE]
    languages: Annotated[list[Language], Field(min_length=1)] = ["fr"]
    status: SurveyStatus = SurveyStatus.DRAFT
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    anonymous: bool = False
    audience: dict[str, Any] = Field(
        default_factory=dict, description='Actor filter, e.g. {"circle": [1, 2]}.'
    )
    questions: Annotated[list[Question], Field(max_length=500)] = []

    @model_validator(mode="after")
    def _consistent(self) -> SurveyCreate:
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValueError("closes_at must be after opens_at")
        codes = [q.code for q in self.questions]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"question codes must be unique: {', '.join(duplicates)}")
        return self


class SurveyRead(SurveyCreate):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int
