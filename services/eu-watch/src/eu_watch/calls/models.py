"""EU funding calls (topics of the Funding & Tenders Portal, or entered by hand)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eu_watch.db import Base
from kit.models import VersionedRecord
from kit.sqltypes import Json


class Call(VersionedRecord, Base):
    __tablename__ = "calls"
    __table_args__ = (sa.Index("ix_calls_created_at_id", "created_at", "id"),)

    identifier: Mapped[str] = mapped_column(sa.String(120), unique=True)
    call_identifier: Mapped[str | None] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(500))
    programme: Mapped[str | None] = mapped_column(sa.String(120))
    type_of_action: Mapped[str | None] = mapped_column(sa.String(120))
    opening_date: Mapped[date | None] = mapped_column(sa.Date)
    deadlines: Mapped[list[str]] = mapped_column(Json, default=list)
    deadline_model: Mapped[str | None] = mapped_column(sa.String(40))
    budget: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    keywords: Mapped[list[str]] = mapped_column(Json, default=list)
    description: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    source: Mapped[str] = mapped_column(sa.String(40), default="manual")
