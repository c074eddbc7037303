"""A change to a training; the training itself (objectives, trainers, prerequisites, sessions)
is part of the event's payload, in ``contracts.events``."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from contracts.events import MAX_SESSIONS, Line, Trainer, TrainingSession


class TrainingUpdate(BaseModel):
    """A change to a training: the fields sent replace the current ones, the others stay."""

    model_config = ConfigDict(extra="forbid")

    objectives: Annotated[list[Line], Field(max_length=50)] | None = None
    trainers: Annotated[list[Trainer], Field(max_length=50)] | None = None
    prerequisites: Annotated[list[Line], Field(max_length=50)] | None = None
    sessions: Annotated[list[TrainingSession], Field(max_length=MAX_SESSIONS)] | None = None
    feedback_survey_id: uuid.UUID | None = None
