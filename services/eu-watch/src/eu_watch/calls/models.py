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
    __table_args__ = (sa.Index("ix_calls_created_at_id", "created_at", "id"),)

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
    """What the list searches, filters, sorts and counts of a live call, in one narrow row
    (a removed call has none): its folded, stemmed words (English and French stems: calls are
    mostly in English, people search in both), matched by FTS5 on SQLite and a tsvector on
    PostgreSQL, and copies of the columns the filters and facets read, so a search reads
    these rows, found by the text index or the deadline index, and the page's calls only."""

    __tablename__ = "call_search"
    __table_args__ = (sa.Index("ix_call_search_sort_deadline_call_id", "sort_deadline", "call_id"),)

    rowid_: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    call_id: Mapped[uuid.UUID] = mapped_column(
        sa.Uuid, sa.ForeignKey("calls.id", ondelete="CASCADE"), unique=True
    )
    terms: Mapped[str] = mapped_column(sa.Text)
    opening_date: Mapped[date | None] = mapped_column(sa.Date)
    #: The last cut-off, or NO_DEADLINE (last) for a call without one: the list's order.
    sort_deadline: Mapped[datetime] = mapped_column(UtcDateTime())
    programme: Mapped[str | None] = mapped_column(sa.String(120))
    type_of_action: Mapped[str | None] = mapped_column(sa.String(120))
    funder: Mapped[str] = mapped_column(sa.String(200))
    budget_total_eur: Mapped[float | None] = mapped_column(sa.Float)
    #: The call's network themes, one bit each (``eu_watch.calls.search.THEME_BITS``).
    theme_bits: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: The same themes as the theme facet adds them up: three to a number, 21 bits apart
    #: (``eu_watch.calls.search.theme_tallies``).
    theme_tally_0: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    theme_tally_1: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    theme_tally_2: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    theme_tally_3: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    theme_tally_4: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    theme_tally_5: Mapped[int] = mapped_column(sa.BigInteger, default=0)


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
