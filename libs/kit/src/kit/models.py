"""Declarative building blocks every service's models share."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kit.sqltypes import UtcDateTime

#: Constraint names Alembic can rely on, identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """``moment`` in UTC, so what a create returns equals what a later read returns."""
    return moment.astimezone(UTC) if moment is not None else None


def new_metadata() -> sa.MetaData:
    """A MetaData with Maillage's naming convention."""
    return sa.MetaData(naming_convention=NAMING_CONVENTION)


class VersionedRecord:
    """Mixin: uuid id, creation/update times, a version bumped on every change, a tombstone.

    ``version`` feeds ETags and lets consumers ignore stale events; ``deleted_at`` keeps a
    tombstone so incremental sync can tell partners what disappeared.
    """

    id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), default=None)

    def touch(self) -> None:
        """Record a change: bump the version and the update time."""
        self.version += 1
        self.updated_at = utcnow()
