"""Responses: the answers given through an invitation's link (or the public link)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kit.models import utcnow
from kit.sqltypes import Json, UtcDateTime
from surveys.db import Base


class Response(Base):
    """The answers of one respondent to one survey.

    A named survey's response points at its invitation and actor, and keeps a ``profile`` of
    the actor when submitted (circle, types, clubs, territory, membership) so a wave's results
    are cut by what the actor was then. An anonymous survey's response has neither: while
    partial it is found again only through ``respondent_key``, a keyed hash of the link's
    token, which is dropped at submission; its times are the start of its day (Paris), so
    nothing joins the invitations table to the answers."""

    __tablename__ = "responses"
    __table_args__ = (
        sa.Index("ix_responses_survey_id_status", "survey_id", "status"),
        sa.Index(
            "uq_responses_invitation_id",
            "invitation_id",
            unique=True,
            sqlite_where=sa.text("invitation_id IS NOT NULL"),
            postgresql_where=sa.text("invitation_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    survey_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    #: The number of the survey version the answers were last saved against.
    version: Mapped[int] = mapped_column(sa.Integer)
    invitation_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    respondent_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, index=True)
    profile: Mapped[dict[str, Any] | None] = mapped_column(Json)
    answers: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    #: ``partial`` or ``submitted``.
    status: Mapped[str] = mapped_column(sa.String(20), default="partial")
    language: Mapped[str] = mapped_column(sa.String(2), default="fr")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
