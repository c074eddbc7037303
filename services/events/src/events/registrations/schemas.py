"""What the registrations API takes and gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from contracts.events import RegistrationStatus, SessionTiming
from contracts.text import ONE_LINE


class RegistrationCreate(BaseModel):
    """Anyone may register with a name and a valid e-mail, with or without an API key."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), ONE_LINE
    ]
    email: EmailStr
    actor_id: uuid.UUID | None = Field(
        None,
        description="The organisation the person registers for, if any: only with a member "
        "key of that actor, or a staff key.",
    )
    language: Literal["fr", "en"] = Field(
        "fr", description="The language of the messages the person receives."
    )


class AttendanceRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attended: bool
    session: (
        Annotated[
            int,
            Field(
                ge=0,
                description="Index of the session: in the training's sessions when it declares "
                "them, else the index of the timing. Absent: the whole event.",
            ),
        ]
        | None
    ) = None


class RegistrationRead(BaseModel):
    id: uuid.UUID
    event_id: uuid.UUID
    name: str
    email: str
    actor_id: uuid.UUID | None
    status: RegistrationStatus
    waitlist_position: int | None = Field(
        None, description="1 for the next person promoted; null unless waitlisted."
    )
    attended: bool | None
    sessions_attended: dict[str, bool]
    created_at: datetime
    updated_at: datetime


class RegistrationCreated(RegistrationRead):
    """The registration, once with the personal token that reads and cancels it.

    A registration made without an API key to an event that confirms addresses
    (``registration.confirm_email``) answers ``pending_email`` with no token: the seat is held
    until ``hold_expires_at`` for the person to open the link mailed to them. A second
    registration of the same address gets the very same answer (the message then says it is
    already registered), so the answer tells nobody who registered.
    """

    token: str | None = Field(
        description="Keep it: it lets you see or cancel this registration. Null while the "
        "address is unconfirmed (the link is mailed)."
    )
    cancel_url: str | None
    hold_expires_at: datetime | None = Field(
        None, description="Until when a pending_email seat is held for the link to be opened."
    )


class AttendanceTally(BaseModel):
    present: int
    absent: int
    unrecorded: int = Field(description="Confirmed registrants not marked either way yet.")


class SessionAttendanceRead(AttendanceTally):
    index: int = Field(description="The session's index, as sent when recording attendance.")
    title: str
    timings: list[SessionTiming] = Field(description="The event's timings the session holds.")


class AttendanceSheetRead(BaseModel):
    """Who came, per session and for the whole event, among the confirmed registrants."""

    confirmed: int
    event: AttendanceTally = Field(description="Attendance recorded for the whole event.")
    sessions: list[SessionAttendanceRead]
