"""Claims: a member asking to take over a shadow record pre-filled from an import."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from directory.db import Base
from kit.models import utcnow
from kit.sqltypes import UtcDateTime


class Claim(Base):
    __tablename__ = "actor_claims"

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    actor_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("actors.id", ondelete="CASCADE"), index=True
    )
    requested_by: Mapped[str] = mapped_column(sa.String(120))
    message: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(sa.String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reason: Mapped[str | None] = mapped_column(sa.Text)
    #: Where the decision is mailed, and in which language (given with the claim).
    contact_email: Mapped[str | None] = mapped_column(sa.String(320))
    contact_name: Mapped[str | None] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(5), server_default=sa.text("'fr'"))
