"""What the calendar's search reads beside the events table.

All of it is derived from the events by :mod:`events.search.index`, in the transaction that
changes them, so a search never sees an event without its terms.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base
from kit.sqltypes import UtcDateTime


class EventSearch(Base):
    """Stemmed terms and the numbers the search filters on, one row per event.

    PostgreSQL adds a generated ``vector`` (tsvector, GIN index); SQLite mirrors the terms
    into the FTS5 table ``events_fts`` by triggers. Both are created by migration 0004.
    """

    __tablename__ = "event_search"
    #: With the event id, map queries read the index alone.
    __table_args__ = (sa.Index("ix_event_search_lat_lon", "lat", "lon", "event_id"),)

    rowid_: Mapped[int] = mapped_column(
        "rowid_", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    event_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), unique=True
    )
    title_terms: Mapped[str] = mapped_column(sa.Text, default="")
    other_terms: Mapped[str] = mapped_column(sa.Text, default="")
    #: Tokens of the event's facet values and months (see ``index.filter_tokens``), so a
    #: full-text search intersects them in the text index instead of reading every match.
    tag_terms: Mapped[str] = mapped_column(sa.Text, default="")
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    age_min: Mapped[int | None] = mapped_column(sa.SmallInteger)
    age_max: Mapped[int | None] = mapped_column(sa.SmallInteger)
    #: One bit per accessibility flag (see ``index.ACCESSIBILITY_BITS``).
    accessibility: Mapped[int] = mapped_column(sa.SmallInteger, default=0)


class EventTag(Base):
    """One facet value of an event: each theme, audience and accessibility flag, and its
    kind, status, département, region, attendance mode and state.

    Filters on the multi-valued fields and every facet count are plain indexed SQL, the same
    on SQLite and PostgreSQL. ``state`` is the event's (``deleted`` once deleted), so counts
    over the whole calendar read this table's index alone.
    """

    __tablename__ = "event_tags"
    __table_args__ = (
        sa.Index("ix_event_tags_facet_value", "facet", "value", "event_id"),
        sa.Index("ix_event_tags_facet_state_value", "facet", "state", "value"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    facet: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(20))


class EventFacetCount(Base):
    """How many events hold each facet value, per state: the counts over the whole calendar,
    kept by the same flush listener as the tags, so they are read, not computed."""

    __tablename__ = "event_facet_counts"

    facet: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    state: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    count: Mapped[int] = mapped_column(sa.Integer)


class EventTombstone(Base):
    """An event that left the public calendar (deleted, refused, back to draft or pending).

    Incremental sync (``updated_since``) returns it so partners drop their copy; it goes away
    when the event is published again.
    """

    __tablename__ = "event_tombstones"
    __table_args__ = (
        sa.Index("ix_event_tombstones_removed_at_event_id", "removed_at", "event_id"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    removed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: deleted, refused or unpublished
    reason: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int] = mapped_column(sa.Integer)
