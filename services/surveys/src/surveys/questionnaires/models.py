"""Surveys (questionnaires) and their frozen published versions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kit.models import VersionedRecord, utcnow
from kit.sqltypes import Json, UtcDateTime
from surveys.db import Base


class Survey(VersionedRecord, Base):
    """A questionnaire. ``sections`` is the working definition (editable while ``draft``);
    what respondents answer is the frozen :class:`SurveyVersion` numbered
    ``current_version``. The mixin's ``version`` is the record's revision (ETag)."""

    __tablename__ = "surveys"
    __table_args__ = (sa.Index("ix_surveys_created_at_id", "created_at", "id"),)

    title: Mapped[dict[str, Any]] = mapped_column(Json)
    description: Mapped[dict[str, Any] | None] = mapped_column(Json)
    #: Groups the waves of one survey (``enquete-acteurs``) so results compare across them.
    series: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    languages: Mapped[list[str]] = mapped_column(Json, default=list)
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    opens_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    anonymous: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    allow_edit_after_submit: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    #: Remind who has not submitted this many days after their invitation (None: never).
    remind_after_days: Mapped[int | None] = mapped_column(sa.Integer)
    #: A link anyone may answer through (no invitation), when staff turn it on.
    public_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    sections: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    #: The number of the latest published version; None until the first publication.
    current_version: Mapped[int | None] = mapped_column(sa.Integer)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_by: Mapped[str | None] = mapped_column(sa.String(120))


class SurveyVersion(Base):
    """A published definition: never changed once written. Responses name the number of the
    version they answered."""

    __tablename__ = "survey_versions"
    __table_args__ = (sa.UniqueConstraint("survey_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    survey_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(sa.Integer)
    #: The whole definition as exported (title, languages, anonymous, sections...).
    definition: Mapped[dict[str, Any]] = mapped_column(Json)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    published_by: Mapped[str | None] = mapped_column(sa.String(120))
