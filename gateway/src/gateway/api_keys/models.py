"""The ``api_keys`` table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base
from kit.models import utcnow
from kit.sqltypes import Json, UtcDateTime


class ApiKey(Base):
    """One key. The secret itself is never stored: only its SHA-256 (see ``secrets.py``)."""

    __tablename__ = "api_keys"
    __table_args__ = (sa.Index("ix_api_keys_created_at_id", "created_at", "id"),)

    #: Public, short, safe to log and show (``key_…``).
    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The first characters of the key, so a person can tell their keys apart.
    hint: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str | None] = mapped_column(sa.Text, default=None)
    role: Mapped[str] = mapped_column(sa.String(16))
    actor_ids: Mapped[list[Any]] = mapped_column(Json, default=list)
    partner: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)
