"""Registrations to events."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contracts.events import RegistrationStatus
from events.db import Base
from kit.models import VersionedRecord
from kit.sqltypes import Json, UtcDateTime

#: Statuses that free the e-mail for the event: a cancelled or refused person may register
#: again. Every other status holds it.
RELEASED_STATUSES = (RegistrationStatus.CANCELLED.value, RegistrationStatus.REFUSED.value)
#: The same rule for the partial unique index.
ACTIVE_CONDITION = "status NOT IN ({})".format(", ".join(f"'{s}'" for s in RELEASED_STATUSES))


class Registration(VersionedRecord, Base):
    """One person's registration to one event.

    ``number`` is the order of arrival within the event (1, 2, 3...), assigned while the event
    row is locked; the waitlist is served in that order.
    """

    __tablename__ = "registrations"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "number", name="uq_registrations_event_id_number"),
        sa.Index("ix_registrations_event_id_status_number", "event_id", "status", "number"),
        sa.Index("ix_registrations_status_hold_expires_at", "status", "hold_expires_at"),
        sa.Index(
            "uq_registrations_event_id_email_key_slot_active",
            "event_id",
            "email_key",
            "email_slot",
            unique=True,
            postgresql_where=sa.text(ACTIVE_CONDITION),
            sqlite_where=sa.text(ACTIVE_CONDITION),
        ),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(sa.Integer)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(320))
    #: The e-mail folded for the one-registration-per-e-mail rule.
    email_key: Mapped[str] = mapped_column(sa.String(320))
    #: 0 when the event allows one registration per e-mail (the unique index then enforces
    #: it); the arrival number when it allows several, so they never collide.
    email_slot: Mapped[int] = mapped_column(sa.Integer, server_default=sa.text("0"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    status: Mapped[str] = mapped_column(sa.String(20))
    #: SHA-256 of the personal token that lets the registrant read and cancel without account
    #: (see ``registrations.tokens``); indexed, as the registrant's page finds it by token.
    token_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    #: The language the registrant's messages are written in (``fr`` or ``en``).
    language: Mapped[str] = mapped_column(sa.String(5), server_default=sa.text("'fr'"))
    attended: Mapped[bool | None] = mapped_column(sa.Boolean)
    #: Attendance per session of a multi-session event: timing index (as text) → present.
    sessions_attended: Mapped[dict[str, bool]] = mapped_column(Json, default=dict)
    attendance_recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: Until when a ``pending_email`` seat is held for the registrant to open the mailed link.
    hold_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: Who asked for an anonymous hold (a keyed hash of the client address), to bound the
    #: holds one client may have on one event; never the address itself.
    client_key: Mapped[str | None] = mapped_column(sa.String(64))
    created_by: Mapped[str | None] = mapped_column(sa.String(120))
