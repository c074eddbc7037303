"""Events published by the events service: the calendar's events, registrations, attendance.

``events.event.*`` carry the event as the public API reads it (:class:`EventRead`, with the
models it is made of), so a consumer or a partner gets exactly what ``GET /v1/events/{id}``
answers. Registration payloads carry the registrant's name and e-mail because the services
that act on them (confirmation mails, satisfaction surveys after a training) need them; they
are personal fields, removed from every webhook body, and those types never go to partners.
The types are registered in :data:`EVENT_TYPES`, which :mod:`contracts.registry` collects.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    model_validator,
)

from contracts.event_type import EventType
from contracts.territory import (
    Place,
    WrittenPlace,
)
from contracts.text import ONE_LINE
from contracts.vocabularies import (
    AttendanceMode,
    Audience,
    EventKind,
    EventState,
    EventStatus,
    Theme,
)

STREAM = "EVENTS"
EVENT_PUBLISHED = "events.event.published"
EVENT_UPDATED = "events.event.updated"
EVENT_CANCELLED = "events.event.cancelled"
EVENT_DELETED = "events.event.deleted"
REGISTRATION_CONFIRMED = "events.registration.confirmed"
REGISTRATION_WAITLISTED = "events.registration.waitlisted"
REGISTRATION_PROMOTED = "events.registration.promoted"
REGISTRATION_CANCELLED = "events.registration.cancelled"
REGISTRATION_REFUSED = "events.registration.refused"
ATTENDANCE_RECORDED = "events.attendance.recorded"
REGISTRATION_EVENT_TYPES = (
    REGISTRATION_CONFIRMED,
    REGISTRATION_WAITLISTED,
    REGISTRATION_PROMOTED,
    REGISTRATION_CANCELLED,
    REGISTRATION_REFUSED,
)
#: Personal fields of registration and attendance payloads, never in a webhook body.
PERSONAL_FIELDS = frozenset({"name", "email"})


class RegistrationStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PENDING_APPROVAL = "pending_approval"
    #: A seat held for an anonymous registrant until they open the link mailed to them.
    PENDING_EMAIL = "pending_email"
    REFUSED = "refused"
    CANCELLED = "cancelled"


class RegistrationChanged(BaseModel):
    """Payload of ``events.registration.*``: the registration after the change."""

    id: uuid.UUID
    event_id: uuid.UUID
    event_title: str
    event_kind: str
    name: str
    email: str
    actor_id: uuid.UUID | None = None
    status: RegistrationStatus
    waitlist_position: int | None = None
    updated_at: datetime


class AttendanceRecorded(BaseModel):
    """Payload of ``events.attendance.recorded``; ``session`` is a timing index or null for
    the whole event."""

    registration_id: uuid.UUID
    event_id: uuid.UUID
    event_title: str
    event_kind: str
    name: str
    email: str
    actor_id: uuid.UUID | None = None
    attended: bool
    session: int | None = None
    recorded_at: datetime
    #: What the satisfaction chain needs of a training, so that the surveys service never
    #: reads the events database: its survey, themes and first day (indicators by theme, year).
    feedback_survey_id: uuid.UUID | None = None
    event_themes: list[str] = []
    event_starts_at: datetime | None = None
    #: Where the training took place on one line (venue, street, postcode and town; none
    #: online), and the registrant's language (``fr``, ``en``): the satisfaction invitation
    #: names the training, its day and place, in that language.
    event_place: str | None = None
    language: str = "fr"


#: The same bound as an event's timings: a training session holds some of them.
MAX_SESSIONS = 800

Line = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), ONE_LINE
]


class Timing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: AwareDatetime = Field(description="RFC 3339 with offset, e.g. 2027-03-12T09:00:00+01:00")
    end: AwareDatetime

    @model_validator(mode="after")
    def _start_before_end(self) -> Timing:
        if self.start >= self.end:
            raise ValueError("end must be after start")
        return self


class Location(Place):
    # Where an event takes place: a place (contracts.territory.Place) with a name.
    name: Annotated[str, Field(max_length=300), ONE_LINE] | None = None


class LocationIn(WrittenPlace, Location):
    """A place as a caller writes it (an event's create, change or partner push): its
    commune code names a commune of the official geographic code, and its postcode is one
    of that commune's. :class:`EventRead` keeps :class:`Location`, which events stored
    before the check may not meet."""


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
    confirm_email: bool = Field(
        True,
        description="A registration made without an API key holds its seat as "
        "`pending_email` until the person opens the link mailed to them (30 minutes by "
        "default); an unconfirmed hold expires, freeing the seat for the waitlist. False: "
        "anonymous registrations are confirmed at once.",
    )


class Trainer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), ONE_LINE
    ]
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

    title: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300), ONE_LINE
    ]
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
    feedback_survey_id: uuid.UUID | None = Field(
        None,
        description="The satisfaction survey the surveys service invites each attendee to, "
        "once per person, the morning after their attendance is recorded.",
    )


class OrganizerRead(BaseModel):
    """An organizer as the events service last heard of it from the directory."""

    id: uuid.UUID
    name: str | None
    department: str | None = None


class RegistrationCountsRead(BaseModel):
    """Public counts of an event with internal registration."""

    confirmed: int
    capacity: int | None
    available: int | None = Field(description="Seats left; null when capacity is unlimited.")
    waitlisted: int
    pending_approval: int


class EventRead(BaseModel):
    """An event as the API reads it; also the payload of ``events.event.published``,
    ``updated`` and ``cancelled``."""

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


class EventDeleted(BaseModel):
    """Payload of ``events.event.deleted``: a tombstone (deleted or unpublished), never the
    event's content."""

    id: uuid.UUID
    version: int
    deleted_at: datetime = Field(description="When the event left the public calendar.")


def _registration(name: str, summary: str) -> EventType:
    return EventType(
        name,
        summary,
        RegistrationChanged,
        "events",
        STREAM,
        partners=False,
        private_fields=PERSONAL_FIELDS,
    )


EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        EVENT_PUBLISHED, "An event was published, or published again.", EventRead, "events", STREAM
    ),
    EventType(
        EVENT_UPDATED,
        "A published event changed; also when one of its organizers was renamed, moved to "
        "another département or merged into another actor (`organizers[]` shows it as it is "
        "now).",
        EventRead,
        "events",
        STREAM,
    ),
    EventType(EVENT_CANCELLED, "A published event was cancelled.", EventRead, "events", STREAM),
    EventType(
        EVENT_DELETED,
        "An event left the public calendar: deleted, or no longer published (back to draft, "
        "pending or refused). A tombstone: drop your copy; events.event.published follows if "
        "it is published again.",
        EventDeleted,
        "events",
        STREAM,
    ),
    _registration(REGISTRATION_CONFIRMED, "A registration is confirmed (a seat is taken)."),
    _registration(REGISTRATION_WAITLISTED, "A registration went to the waitlist."),
    _registration(REGISTRATION_PROMOTED, "A waitlisted registration got a seat that was freed."),
    _registration(REGISTRATION_CANCELLED, "A registration was cancelled."),
    _registration(REGISTRATION_REFUSED, "An organizer refused a registration awaiting approval."),
    EventType(
        ATTENDANCE_RECORDED,
        "Attendance was marked for a registration (whole event or one session).",
        AttendanceRecorded,
        "events",
        STREAM,
        partners=False,
        private_fields=PERSONAL_FIELDS,
    ),
)
