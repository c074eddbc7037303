"""Invitations: one personal link per invited actor or address."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kit.models import utcnow
from kit.sqltypes import UtcDateTime
from surveys.db import Base


class Invitation(Base):
    """Someone asked to answer a survey, with the token of their personal link.

    An actor is invited once per survey, and so is a plain address (both backed by partial
    unique indexes); running an audience again only adds who is new. A training's attendee is
    invited once per training and address (``training_id``): one satisfaction survey shared by
    several trainings asks a person about each of them."""

    __tablename__ = "invitations"
    __table_args__ = (
        sa.Index("ix_invitations_survey_id_created_at_id", "survey_id", "created_at", "id"),
        sa.Index(
            "uq_invitations_survey_actor",
            "survey_id",
            "actor_id",
            unique=True,
            sqlite_where=sa.text("actor_id IS NOT NULL AND training_id IS NULL"),
            postgresql_where=sa.text("actor_id IS NOT NULL AND training_id IS NULL"),
        ),
        sa.Index(
            "uq_invitations_survey_email",
            "survey_id",
            "email",
            unique=True,
            sqlite_where=sa.text("actor_id IS NULL AND email IS NOT NULL AND training_id IS NULL"),
            postgresql_where=sa.text(
                "actor_id IS NULL AND email IS NOT NULL AND training_id IS NULL"
            ),
        ),
        sa.Index(
            "uq_invitations_survey_training_email",
            "survey_id",
            "training_id",
            "email",
            unique=True,
            sqlite_where=sa.text("training_id IS NOT NULL"),
            postgresql_where=sa.text("training_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    survey_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    #: The invited directory actor; None for a person invited by address, or a public-link
    #: respondent.
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    #: Where the link is mailed (None: the actor has no public e-mail, or a public link).
    email: Mapped[str | None] = mapped_column(sa.String(320))
    name: Mapped[str | None] = mapped_column(sa.String(300))
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The training (event id) whose attendance this invitation follows (source ``training``).
    training_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    #: ``audience``, ``actor``, ``email``, ``public_link`` or ``training``: how it was made.
    source: Mapped[str] = mapped_column(sa.String(20))
    language: Mapped[str] = mapped_column(sa.String(2), default="fr")
    #: ``invited``, ``partial`` or ``submitted``.
    status: Mapped[str] = mapped_column(sa.String(20), default="invited", index=True)
    reminders_sent: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(sa.String(120))


class PublicLinkCount(Base):
    """How many responses a survey's public link started in one window: per client (a keyed
    hash of its address, never the address) and for the whole survey (``client`` ``*``).
    Rows of past windows are deleted as new ones come; nothing here names an invitation."""

    __tablename__ = "public_link_counts"

    survey_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), primary_key=True
    )
    client: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    hits: Mapped[int] = mapped_column(sa.Integer)
