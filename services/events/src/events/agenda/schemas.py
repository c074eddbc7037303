"""What the events API takes and gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    model_validator,
)

from contracts.territory import Postcode, Territory
from contracts.vocabularies import (
    AttendanceMode,
    Audience,
    EventKind,
    EventState,
    EventStatus,
    Theme,
)
from events.registrations.schemas import RegistrationCountsRead
from events.trainings.schemas import Training, TrainingUpdate

MAX_TIMINGS = 800


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


class Timing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime = Field(description="RFC 3339 with offset, e.g. 2027-03-12T09:00:00+01:00")
    end: AwareDatetime

    @model_validator(mode="after")
    def _start_before_end(self) -> Timing:
        if self.start >= self.end:
            raise ValueError("end must be after start")
        return self


class Location(Territory):
    name: Annotated[str, Field(max_length=300)] | None = None
    street: Annotated[str, Field(max_length=300)] | None = None
    postcode: Postcode | None = None
    city: Annotated[str, Field(max_length=200)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class AgeRange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min: Annotated[int, Field(ge=0, le=120)] | None = None
    max: Annotated[int, Field(ge=0, le=120)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AgeRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        return self


class Accessibility(BaseModel):
    """Which disabilities the event is accessible to (OpenAgenda's hi/vi/mi/pi/ii)."""

    model_config = ConfigDict(extra="forbid")

    hearing: bool = False
    visual: bool = False
    mental: bool = False
    motor: bool = False
    intellectual: bool = False


class RegistrationSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Annotated[str, Field(pattern="^(none|external|internal)$")] = "none"
    url: HttpUrl | None = None
    capacity: Annotated[int, Field(ge=0, le=100_000)] | None = None
    waitlist: bool = False
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None
    requires_approval: bool = False
    allow_several_per_email: bool = Field(
        False,
        description="One registration per e-mail unless true (a person registering others "
        "with one address); a cancelled or refused registration always frees the e-mail.",
    )


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, Field(min_length=1, max_length=300)]
    summary: Annotated[str, Field(max_length=1000)] | None = None
    description: Annotated[str, Field(max_length=20_000)] | None = None
    kind: EventKind
    organizer_ids: Annotated[
        list[uuid.UUID], Field(min_length=1, max_length=20), AfterValidator(_unique)
    ]
    themes: Annotated[list[Theme], AfterValidator(_unique)] = []
    audiences: Annotated[list[Audience], AfterValidator(_unique)] = []
    age: AgeRange | None = None
    accessibility: Accessibility = Accessibility()
    attendance_mode: AttendanceMode = AttendanceMode.OFFLINE
    location: Location | None = None
    online_url: HttpUrl | None = None
    timings: Annotated[list[Timing], Field(min_length=1, max_length=MAX_TIMINGS)]
    status: EventStatus = EventStatus.SCHEDULED
    state: EventState | None = Field(
        None, description="Defaults to published for staff, pending for members."
    )
    registration: RegistrationSettings = RegistrationSettings()
    ext_ids: Annotated[dict[str, Annotated[str, Field(max_length=200)]], Field(max_length=20)] = {}
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

    title: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    summary: Annotated[str, Field(max_length=1000)] | None = None
    description: Annotated[str, Field(max_length=20_000)] | None = None
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
    location: Location | None = None
    online_url: HttpUrl | None = None
    timings: Annotated[list[Timing], Field(min_length=1, max_length=MAX_TIMINGS)] | None = None
    status: EventStatus | None = None
    state: EventState | None = None
    registration: RegistrationSettings | None = None
    ext_ids: (
        Annotated[dict[str, Annotated[str, Field(max_length=200)]], Field(max_length=20)] | None
    ) = None
    training: TrainingUpdate | None = Field(
        None, description="Changes key by key; a list sent replaces that list; null removes all."
    )


class OrganizerRead(BaseModel):
    """An organizer as the events service last heard of it from the directory."""

    id: uuid.UUID
    name: str | None
    department: str | None = None


class EventRead(BaseModel):
    id: uuid.UUID
    title: str
    summary: str | None
    description: str | None
    kind: EventKind
    organizer_ids: list[uuid.UUID]
    organizers: list[OrganizerRead]
    themes: list[Theme]
    audiences: list[Audience]
    age: AgeRange | None
    accessibility: Accessibility
    attendance_mode: AttendanceMode
    location: Location | None
    online_url: str | None
    timings: list[Timing]
    status: EventStatus
    state: EventState
    registration: RegistrationSettings
    registration_counts: RegistrationCountsRead | None = Field(
        None, description="Public counts when the event takes registrations here."
    )
    ext_ids: dict[str, str]
    training: Training | None = None
    created_at: datetime
    updated_at: datetime
    version: int
