"""The events service's own read model of directory actors (organizers)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base
from kit.sqltypes import UtcDateTime


class KnownActor(Base):
    """An actor as last announced by the directory; kept after deletion so events that
    name it stay readable."""

    __tablename__ = "known_actors"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    department: Mapped[str | None] = mapped_column(sa.String(3))
    region: Mapped[str | None] = mapped_column(sa.String(2))
    status: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int] = mapped_column(sa.Integer)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: Set when the directory merged this actor into another.
    merged_into: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
