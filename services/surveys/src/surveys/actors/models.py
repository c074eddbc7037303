"""The surveys service's own read model of directory actors: who can be invited, and what
results are cut by (types, circle, clubs, themes, territory, membership)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kit.sqltypes import Json, UtcDateTime
from surveys.db import Base


class KnownActor(Base):
    """An actor as last announced by the directory (``directory.actor.*``); kept after
    deletion or merge so invitations and responses that name it stay readable."""

    __tablename__ = "known_actors"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(300))
    types: Mapped[list[str]] = mapped_column(Json, default=list)
    circle: Mapped[int | None] = mapped_column(sa.SmallInteger, index=True)
    clubs: Mapped[list[str]] = mapped_column(Json, default=list)
    themes: Mapped[list[str]] = mapped_column(Json, default=list)
    department: Mapped[str | None] = mapped_column(sa.String(3), index=True)
    region: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    #: Private: from the event's internal part, never shown to anyone but staff.
    member: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    #: The actor's public e-mail, where invitations go.
    email: Mapped[str | None] = mapped_column(sa.String(320))
    status: Mapped[str] = mapped_column(sa.String(20), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: Set when the directory merged this actor into another.
    merged_into: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)

    def profile(self) -> dict[str, Any]:
        """What answers are cut by in results (stored with a response when it is submitted):
        the actor's attributes as the projection knows them."""
        return {
            "circle": self.circle,
            "types": self.types,
            "clubs": self.clubs,
            "themes": self.themes,
            "department": self.department,
            "region": self.region,
            "member": self.member,
        }
