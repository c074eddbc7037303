"""Import jobs: an uploaded file, its progress and its report."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from directory.db import Base
from kit.models import utcnow
from kit.sqltypes import Json, UtcDateTime


class ImportJob(Base):
    __tablename__ = "import_jobs"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(sa.String(20), default="queued", index=True)
    dry_run: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    #: Namespace of the file's external ids (``ext_ids[source]``), e.g. "ocim-2024".
    source: Mapped[str] = mapped_column(sa.String(60))
    filename: Mapped[str | None] = mapped_column(sa.String(300))
    file_format: Mapped[str] = mapped_column(sa.String(10))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    total_rows: Mapped[int] = mapped_column(sa.Integer, default=0)
    #: Rows before this line are done; a resumed job starts here.
    next_line: Mapped[int] = mapped_column(sa.Integer, default=2)
    processed_rows: Mapped[int] = mapped_column(sa.Integer, default=0)
    created_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    updated_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    failed_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    duplicates: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    #: Rows matched to an existing actor: {line, actor_id, rule}.
    matches: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    created_by: Mapped[str] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failure: Mapped[str | None] = mapped_column(sa.Text)


class ActorExternalId(Base):
    """``ext_ids`` of actors, indexed so imports and partners find an actor by its id there."""

    __tablename__ = "actor_external_ids"
    __table_args__ = (sa.UniqueConstraint("source", "external_id"),)

    actor_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True
    )
    source: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(200))
