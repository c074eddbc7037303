"""Events published by the events service about registrations and attendance.

Registration payloads carry the registrant's name and e-mail because the services that act on
them (confirmation mails, satisfaction surveys after a training) need them; the gateway must
not forward these two fields to partners.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

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
#: Personal fields of registration payloads, never sent to partners.
PERSONAL_FIELDS = frozenset({"name", "email"})


class RegistrationStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PENDING_APPROVAL = "pending_approval"
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
