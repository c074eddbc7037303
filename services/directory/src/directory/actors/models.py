"""The actor table."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from directory.db import Base
from kit.models import VersionedRecord
from kit.sqltypes import Json, UtcDateTime


class Actor(VersionedRecord, Base):
    __tablename__ = "actors"
    __table_args__ = (
        sa.Index("ix_actors_name_key_id", "name_key", "id"),
        sa.Index("ix_actors_updated_at_id", "updated_at", "id"),
        sa.Index("ix_actors_lat_lon", "lat", "lon"),
    )

    kind: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(300))
    #: accent- and case-folded name: the sort key of lists.
    name_key: Mapped[str] = mapped_column(sa.String(300))
    acronym: Mapped[str | None] = mapped_column(sa.String(50))
    types: Mapped[list[str]] = mapped_column(Json, default=list)
    circle: Mapped[int | None] = mapped_column(sa.SmallInteger)
    circle_set_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    circle_set_by: Mapped[str | None] = mapped_column(sa.String(120))
    themes: Mapped[list[str]] = mapped_column(Json, default=list)
    audiences: Mapped[list[str]] = mapped_column(Json, default=list)
    clubs: Mapped[list[str]] = mapped_column(Json, default=list)
    description: Mapped[str | None] = mapped_column(sa.Text)
    street: Mapped[str | None] = mapped_column(sa.String(300))
    postcode: Mapped[str | None] = mapped_column(sa.String(5))
    city: Mapped[str | None] = mapped_column(sa.String(200))
    commune_insee: Mapped[str | None] = mapped_column(sa.String(5), index=True)
    department: Mapped[str | None] = mapped_column(sa.String(3), index=True)
    region: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    lat: Mapped[float | None] = mapped_column(sa.Float)
    lon: Mapped[float | None] = mapped_column(sa.Float)
    #: ``address`` (coordinates given) or ``commune`` (its commune's centre).
    geo_precision: Mapped[str | None] = mapped_column(sa.String(10))
    website: Mapped[str | None] = mapped_column(sa.String(500))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    siret: Mapped[str | None] = mapped_column(sa.String(14), index=True)
    contacts: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    member: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    member_since: Mapped[date | None] = mapped_column(sa.Date)
    paid_until: Mapped[date | None] = mapped_column(sa.Date)
    charter_signed_at: Mapped[date | None] = mapped_column(sa.Date)
    ext_ids: Mapped[dict[str, str]] = mapped_column(Json, default=dict)
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    created_by: Mapped[str | None] = mapped_column(sa.String(120))
    #: Set when this actor was merged into another: its id then points there.
    merged_into: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)

    def __repr__(self) -> str:
        return f"<Actor {self.id} {self.name!r} v{self.version}>"


class ActorSearch(Base):
    """Stemmed search terms of an actor (see ``fulltext.py``).

    PostgreSQL adds a generated ``vector`` column with a GIN index; SQLite mirrors the rows
    into the FTS5 table ``actors_fts`` by triggers. Both are created by migration 0002.
    """

    __tablename__ = "actor_search"

    rowid_: Mapped[int] = mapped_column(
        "rowid_", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    actor_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("actors.id", ondelete="CASCADE"), unique=True
    )
    name_terms: Mapped[str] = mapped_column(sa.Text, default="")
    other_terms: Mapped[str] = mapped_column(sa.Text, default="")


class ActorTag(Base):
    """One value of a multi-valued field (type, theme, audience, club) of an actor.

    Kept beside the JSON lists so filters and facet counts are plain indexed SQL, the same
    on SQLite and PostgreSQL.
    """

    __tablename__ = "actor_tags"
    __table_args__ = (sa.Index("ix_actor_tags_facet_value", "facet", "value", "actor_id"),)

    actor_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True
    )
    facet: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(40), primary_key=True)


class ActorChange(Base):
    """One entry of an actor's history: who changed which fields, from what to what."""

    __tablename__ = "actor_changes"
    __table_args__ = (sa.Index("ix_actor_changes_actor_version", "actor_id", "version"),)

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    actor_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    version: Mapped[int] = mapped_column(sa.Integer)
    action: Mapped[str] = mapped_column(sa.String(20))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    changed_by: Mapped[str | None] = mapped_column(sa.String(120))
    changes: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
