"""What the responses API (through a personal link's token) takes and gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from surveys.questionnaires.schemas import SurveyDefinition

#: Answers saved in one request at most (a questionnaire has at most a few hundred).
MAX_ANSWERS = 2000


class ResponseSave(BaseModel):
    """A partial save: answers merged into those stored (``null`` clears one)."""

    model_config = ConfigDict(extra="forbid")

    answers: Annotated[dict[str, Any], Field(max_length=MAX_ANSWERS)] = {}
    language: Literal["fr", "en"] | None = None


class ResponseRead(BaseModel):
    """The survey's current version and the answers so far."""

    survey_id: uuid.UUID
    version: int = Field(
        description="The survey's current version: the form shown, which a save or a submit "
        "answers."
    )
    answered_version: int | None = Field(
        None,
        description="The version the stored answers were last saved or submitted on (an "
        "earlier one when the survey has moved on since); null before the first save.",
    )
    survey: SurveyDefinition
    status: Literal["invited", "partial", "submitted"]
    answers: dict[str, Any]
    visible_questions: list[str] = Field(description="Questions shown for these answers.")
    editable: bool = Field(description="Whether answers may still change.")
    closes_at: datetime | None = None
    submitted_at: datetime | None = None
    language: Literal["fr", "en"]
