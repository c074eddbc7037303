"""Surveys (questionnaires) of the observatory."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kit.models import VersionedRecord
from kit.sqltypes import Json, UtcDateTime
from surveys.db import Base


class Survey(VersionedRecord, Base):
    __tablename__ = "surveys"
    __table_args__ = (sa.Index("ix_surveys_created_at_id", "created_at", "id"),)

    title: Mapped[str] = mapped_column(sa.String(300))
    languages: Mapped[list[str]] = mapped_column(Json, default=list)
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    opens_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    anonymous: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    audience: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    questions: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    created_by: Mapped[str | None] = mapped_column(sa.String(120))
