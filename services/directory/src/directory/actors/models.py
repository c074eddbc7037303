"""The actor table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from directory.db import Base
from kit.models import VersionedRecord
from kit.sqltypes import Json, UtcDateTime


class Actor(VersionedRecord, Base):
    __tablename__ = "actors"
    __table_args__ = (sa.Index("ix_actors_name_key_id", "name_key", "id"),)

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

    def __repr__(self) -> str:
        return f"<Actor {self.id} {self.name!r} v{self.version}>"
