"""Attendees of trainings to invite to their satisfaction survey."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kit.models import utcnow
from kit.sqltypes import Json, UtcDateTime
from surveys.db import Base


class TrainingFeedback(Base):
    """One person present at one training: invited once, the morning after.

    Learnt only from ``events.attendance.recorded``; the unique (event, address) pair makes
    "once per training and person" hold whatever the events say and however often."""

    __tablename__ = "training_feedback"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "email"),
        sa.Index("ix_training_feedback_status_due_at", "status", "due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    event_title: Mapped[str] = mapped_column(sa.String(300))
    #: The training's themes and first day: satisfaction is cut by theme and by year.
    event_themes: Mapped[list[str]] = mapped_column(Json, default=list)
    event_starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: Where it took place (one line; none online or when the event did not say): the
    #: invitation and its reminder name the training, its first day and its place.
    event_place: Mapped[str | None] = mapped_column(sa.String(500))
    #: The attendee's language (``fr`` or ``en``), as they registered: the mails' language.
    language: Mapped[str] = mapped_column(sa.String(2), default="fr", server_default="fr")
    survey_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, index=True)
    #: Lower-cased: one person, one invitation per training.
    email: Mapped[str] = mapped_column(sa.String(320))
    name: Mapped[str] = mapped_column(sa.String(300))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    attended_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: When to invite: the morning after the attendance was recorded.
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: ``pending`` (not yet due), ``invited``, or ``skipped`` (with why in ``note``).
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    note: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
