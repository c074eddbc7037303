"""EU funding calls (topics of the Funding & Tenders Portal, or entered by hand)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from eu_watch.db import Base
from kit.models import VersionedRecord
from kit.sqltypes import Json, UtcDateTime


class Call(VersionedRecord, Base):
    __tablename__ = "calls"
    __table_args__ = (
        sa.Index("ix_calls_created_at_id", "created_at", "id"),
        sa.Index("ix_calls_final_deadline_id", "final_deadline", "id"),
    )

    identifier: Mapped[str] = mapped_column(sa.String(120), unique=True)
    call_identifier: Mapped[str | None] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(500))
    call_title: Mapped[str | None] = mapped_column(sa.String(500))
    #: Who funds it: the European Commission for the portal's topics, a Région, an agency...
    funder: Mapped[str] = mapped_column(sa.String(200))
    programme: Mapped[str | None] = mapped_column(sa.String(120))
    #: The portal's programme division, destination and focus area labels.
    programme_parts: Mapped[list[str]] = mapped_column(Json, default=list)
    type_of_action: Mapped[str | None] = mapped_column(sa.String(120))
    opening_date: Mapped[date | None] = mapped_column(sa.Date)
    #: Every cut-off as an ISO 8601 moment with the Brussels offset, in order.
    deadlines: Mapped[list[str]] = mapped_column(Json, default=list)
    #: The last cut-off (UTC), for the status, sorting and deadline filters.
    final_deadline: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deadline_model: Mapped[str | None] = mapped_column(sa.String(40))
    #: forthcoming | open | closed, as last derived from the dates (and announced).
    status: Mapped[str] = mapped_column(sa.String(20))
    budget: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    budget_total_eur: Mapped[float | None] = mapped_column(sa.Float)
    keywords: Mapped[list[str]] = mapped_column(Json, default=list)
    cross_cutting_priorities: Mapped[list[str]] = mapped_column(Json, default=list)
    description: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    source: Mapped[str] = mapped_column(sa.String(40), default="manual")
    #: The network's themes with the terms that put them there ([{theme, terms}]).
    themes: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    #: INSEE regions the call is limited to (none: anywhere).
    regions: Mapped[list[str]] = mapped_column(Json, default=list)
    #: Hash of what a synced source said last: an unchanged record is not written again.
    source_hash: Mapped[str | None] = mapped_column(sa.String(64))


class CallSearch(Base):
    """The folded, stemmed words of a call (English and French stems: calls are mostly in
    English, people search in both), matched by FTS5 on SQLite and a tsvector on PostgreSQL."""

    __tablename__ = "call_search"

    rowid_: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    call_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("calls.id", ondelete="CASCADE"), unique=True
    )
    terms: Mapped[str] = mapped_column(sa.Text)


class CallDeadline(Base):
    """One cut-off of a call, for ``deadline_from``/``deadline_to`` and the calendar feed."""

    __tablename__ = "call_deadlines"
    __table_args__ = (sa.Index("ix_call_deadlines_deadline_call_id", "deadline", "call_id"),)

    call_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    deadline: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)


class CallTheme(Base):
    """A network theme of a call (the filter ``theme`` and the theme facet)."""

    __tablename__ = "call_themes"
    __table_args__ = (sa.Index("ix_call_themes_theme_call_id", "theme", "call_id"),)

    call_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
