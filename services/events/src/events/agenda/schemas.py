"""What the events API takes and gives.

What it gives (``EventRead`` and the models it is made of) is also the payload of the
``events.event.*`` domain events, so it lives in ``contracts.events``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl

from contracts.events import (
    Accessibility,
    AgeRange,
    LocationIn,
    RegistrationSettings,
    Timing,
    Training,
)
from contracts.text import ONE_LINE, TEXT
from contracts.vocabularies import (
    AttendanceMode,
    Audience,
    EventKind,
    EventState,
    EventStatus,
    Theme,
)
from events.trainings.schemas import TrainingUpdate

MAX_TIMINGS = 800


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


#: An id a source gave the record (``ext_ids`` values).
ExtId = Annotated[str, Field(max_length=200), ONE_LINE]


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=300), ONE_LINE]
    summary: Annotated[str, Field(max_length=1000), TEXT] | None = None
    description: Annotated[str, Field(max_length=20_000), TEXT] | None = None
    kind: EventKind
    organizer_ids: Annotated[
        list[uuid.UUID], Field(min_length=1, max_length=20), AfterValidator(_unique)
    ]
    themes: Annotated[list[Theme], AfterValidator(_unique)] = []
    audiences: Annotated[list[Audience], AfterValidator(_unique)] = []
    age: AgeRange | None = None
    accessibility: Accessibility = Accessibility()
    attendance_mode: AttendanceMode = AttendanceMode.OFFLINE
    location: LocationIn | None = None
    online_url: HttpUrl | None = None
    timings: Annotated[list[Timing], Field(min_length=1, max_length=MAX_TIMINGS)]
    status: EventStatus = EventStatus.SCHEDULED
    state: EventState | None = Field(
        None, description="Defaults to published for staff, pending for members."
    )
    registration: RegistrationSettings = RegistrationSettings()
    ext_ids: Annotated[dict[str, ExtId], Field(max_length=20)] = {}
    training: Training | None = Field(
        None, description="Objectives, trainers, prerequisites, sessions (kind training only)."
    )


class EventUpdate(BaseModel):
    """A partial change: only the fields sent change; ``null`` clears an optional field.

    ``registration``, ``accessibility``, ``age`` and ``training`` change key by key (send
    ``{"registration": {"capacity": 40}}`` to change only the capacity); ``location`` and the
    lists are replaced whole. The event after the change is validated as a whole, with the
    same rules as a creation.
    """

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=300), ONE_LINE] | None = None
    summary: Annotated[str, Field(max_length=1000), TEXT] | None = None
    description: Annotated[str, Field(max_length=20_000), TEXT] | None = None
    kind: EventKind | None = None
    organizer_ids: (
        Annotated[list[uuid.UUID], Field(min_length=1, max_length=20), AfterValidator(_unique)]
        | None
    ) = None
    themes: Annotated[list[Theme], AfterValidator(_unique)] | None = None
    audiences: Annotated[list[Audience], AfterValidator(_unique)] | None = None
    age: AgeRange | None = None
    accessibility: Accessibility | None = None
    attendance_mode: AttendanceMode | None = None
    location: LocationIn | None = None
    online_url: HttpUrl | None = None
    timings: Annotated[list[Timing], Field(min_length=1, max_length=MAX_TIMINGS)] | None = None
    status: EventStatus | None = None
    state: EventState | None = None
    registration: RegistrationSettings | None = None
    ext_ids: Annotated[dict[str, ExtId], Field(max_length=20)] | None = None
    training: TrainingUpdate | None = Field(
        None, description="Changes key by key; a list sent replaces that list; null removes all."
    )
