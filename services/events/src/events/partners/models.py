"""What the calendar remembers of partners: whose id an event has, and how far a sync got."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from events.db import Base
from kit.models import utcnow
from kit.sqltypes import Json, UtcDateTime


class EventExternalId(Base):
    """An event known to a partner ``source`` under ``ext_id``.

    The primary key is what makes partner writes idempotent under concurrency: two pushes of
    the same id at once cannot both insert their row, so they cannot create two events.
    ``events.ext_ids`` keeps the same pairs for readers.
    """

    __tablename__ = "event_external_ids"

    source: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    ext_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class OpenAgendaSync(Base):
    """One OpenAgenda agenda the calendar imports, and how far its import got."""

    __tablename__ = "openagenda_syncs"

    agenda_uid: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    #: The actor the agenda's events are organized by (OpenAgenda has no actor of ours).
    organizer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    #: Our ``kind`` for its events (OpenAgenda has no such field).
    kind: Mapped[str] = mapped_column(sa.String(20))
    #: The latest ``updatedAt`` seen: the next run asks only for changes since then.
    updated_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: The counts of the last run (created, updated, unchanged, cancelled, failed...).
    last_summary: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
