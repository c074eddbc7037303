"""The resource catalogue: what actors lend (travelling exhibitions, kits, equipment...)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from directory.db import Base
from kit.models import VersionedRecord
from kit.sqltypes import Json


class Resource(VersionedRecord, Base):
    __tablename__ = "resources"
    __table_args__ = (sa.Index("ix_resources_title_key_id", "title_key", "id"),)

    owner_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("actors.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    title_key: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)
    themes: Mapped[list[str]] = mapped_column(Json, default=list)
    audiences: Mapped[list[str]] = mapped_column(Json, default=list)
    loan_available: Mapped[bool] = mapped_column(sa.Boolean, default=False, index=True)
    loan_conditions: Mapped[str | None] = mapped_column(sa.Text)
    loan_price_eur: Mapped[float | None] = mapped_column(sa.Float)
    #: Stemmed words of title and description, space-separated with a leading space, so a
    #: prefix search is ``LIKE '% stem%'``: enough for a catalogue of a few thousand items.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    created_by: Mapped[str | None] = mapped_column(sa.String(120))
