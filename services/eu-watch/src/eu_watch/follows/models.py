"""Calls members follow, and the deadline announcements made."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eu_watch.db import Base
from kit.sqltypes import UtcDateTime


class CallFollow(Base):
    """A member follows a call: its followers are reminded before each cut-off."""

    __tablename__ = "call_follows"

    actor_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    call_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(sa.String(200))
    #: Where reminders go; None: the actor's public address.
    email: Mapped[str | None] = mapped_column(sa.String(320))
    language: Mapped[str] = mapped_column(sa.String(5), default="fr")


class DeadlineAnnouncement(Base):
    """``eu_watch.call.deadline_approaching`` was emitted for this cut-off and threshold:
    the row makes it once, whatever the replicas and passes."""

    __tablename__ = "call_deadline_announcements"

    call_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    deadline: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    days: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    announced_at: Mapped[datetime] = mapped_column(UtcDateTime())
