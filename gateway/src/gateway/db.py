"""The gateway's own database: API keys (and, later, webhook endpoints and deliveries)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import DeclarativeBase

from kit.models import new_metadata

#: The folder holding ``alembic.ini`` and ``migrations/``.
GATEWAY_ROOT = Path(__file__).resolve().parents[2]


class Base(DeclarativeBase):
    metadata = new_metadata()
