"""What a training carries beyond an event: objectives, trainers, prerequisites, sessions."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

#: The same bound as an event's timings: a session holds some of them.
MAX_SESSIONS = 800

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class Trainer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    actor_id: uuid.UUID | None = Field(
        None, description="The trainer's record in the directory (a person or an organisation)."
    )


class SessionTiming(BaseModel):
    """One of the event's timings, named by its start and end."""

    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _start_before_end(self) -> SessionTiming:
        if self.start >= self.end:
            raise ValueError("end must be after start")
        return self


class TrainingSession(BaseModel):
    """A unit that registrants attend: one or more timings of the event, under a title."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    timings: Annotated[
        list[SessionTiming],
        Field(min_length=1, max_length=MAX_SESSIONS, description="Among the event's timings."),
    ]


class Training(BaseModel):
    """The training side of an event of kind ``training``.

    Without sessions, each timing of the event is a session of its own; with sessions,
    attendance is recorded per session (by its index in ``sessions``).
    """

    model_config = ConfigDict(extra="forbid")

    objectives: Annotated[list[Line], Field(max_length=50)] = []
    trainers: Annotated[list[Trainer], Field(max_length=50)] = []
    prerequisites: Annotated[list[Line], Field(max_length=50)] = []
    sessions: Annotated[list[TrainingSession], Field(max_length=MAX_SESSIONS)] = []


class TrainingUpdate(BaseModel):
    """A change to a training: the fields sent replace the current ones, the others stay."""

    model_config = ConfigDict(extra="forbid")

    objectives: Annotated[list[Line], Field(max_length=50)] | None = None
    trainers: Annotated[list[Trainer], Field(max_length=50)] | None = None
    prerequisites: Annotated[list[Line], Field(max_length=50)] | None = None
    sessions: Annotated[list[TrainingSession], Field(max_length=MAX_SESSIONS)] | None = None
