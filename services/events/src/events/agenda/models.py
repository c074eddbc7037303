"""Events and their organizers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contracts.events import RegistrationSettings
from events.db import Base
from kit.models import VersionedRecord
from kit.sqltypes import Json, UtcDateTime


class Event(VersionedRecord, Base):
    __tablename__ = "events"
    __table_args__ = (sa.Index("ix_events_starts_at_id", "starts_at", "id"),)

    title: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str | None] = mapped_column(sa.String(1000))
    description: Mapped[str | None] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(20))
    themes: Mapped[list[str]] = mapped_column(Json, default=list)
    audiences: Mapped[list[str]] = mapped_column(Json, default=list)
    age: Mapped[dict[str, Any] | None] = mapped_column(Json)
    accessibility: Mapped[dict[str, bool]] = mapped_column(Json, default=dict)
    attendance_mode: Mapped[str] = mapped_column(sa.String(10))
    location: Mapped[dict[str, Any] | None] = mapped_column(Json)
    #: Copied out of ``location`` so the calendar can filter by territory.
    department: Mapped[str | None] = mapped_column(sa.String(3), index=True)
    region: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    online_url: Mapped[str | None] = mapped_column(sa.String(1000))
    timings: Mapped[list[dict[str, str]]] = mapped_column(Json)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(sa.String(20), default="scheduled")
    state: Mapped[str] = mapped_column(sa.String(20), index=True)
    registration: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    ext_ids: Mapped[dict[str, str]] = mapped_column(Json, default=dict)
    created_by: Mapped[str | None] = mapped_column(sa.String(120))
    #: A training's objectives, trainers, prerequisites and sessions (null for other kinds).
    training: Mapped[dict[str, Any] | None] = mapped_column(Json)

    @property
    def registration_settings(self) -> RegistrationSettings:
        """``registration`` as its typed model (stored as the JSON that model dumped)."""
        return RegistrationSettings.model_validate(self.registration)


class EventOrganizer(Base):
    """Which actors organize an event, in the order given."""

    __tablename__ = "event_organizers"

    event_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    actor_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, index=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger)


class EventTiming(Base):
    """Each timing of an event as a row, so the calendar can find events by date."""

    __tablename__ = "event_timings"
    __table_args__ = (sa.Index("ix_event_timings_start_at_end_at", "start_at", "end_at"),)

    event_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime())
    end_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EventChange(Base):
    """One entry of an event's history: who changed which fields, from what to what."""

    __tablename__ = "event_changes"
    __table_args__ = (sa.Index("ix_event_changes_event_id_id", "event_id", "id"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    #: No foreign key: the entries stay whatever becomes of the event's row.
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    version: Mapped[int] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(20))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    changed_by: Mapped[str | None] = mapped_column(sa.String(120))
    changed_by_role: Mapped[str | None] = mapped_column(sa.String(20))
    changes: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
