"""Every query on watches and on what they were told."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from eu_watch.calls.filters import CallFilters
from eu_watch.calls.models import Call
from eu_watch.calls.repository import call_repository
from eu_watch.sources.models import PortalLabel
from eu_watch.watches.models import Watch, WatchNotification
from kit.db import dialect_of
from kit.sqltypes import UtcDateTime

#: The portal's facet whose labels name programmes.
PROGRAMME_FACET = "frameworkProgramme"


class WatchRepository:
    async def get(self, session: AsyncSession, watch_id: uuid.UUID) -> Watch | None:
        return await session.get(Watch, watch_id)

    async def get_locked(self, session: AsyncSession, watch_id: uuid.UUID) -> Watch | None:
        """The watch, its row locked until the transaction ends (one pass at a time)."""
        return (
            await session.scalars(sa.select(Watch).where(Watch.id == watch_id).with_for_update())
        ).first()

    async def page(
        self,
        session: AsyncSession,
        *,
        actor_ids: Sequence[uuid.UUID] | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[Watch]:
        """Watches oldest first; ``actor_ids`` None: all of them, else those actors' only."""
        query = sa.select(Watch)
        if actor_ids is not None:
            query = query.where(Watch.actor_id.in_(list(actor_ids)))
        if after is not None:
            query = query.where(sa.tuple_(Watch.created_at, Watch.id) > sa.tuple_(*after))
        query = query.order_by(Watch.created_at, Watch.id).limit(limit)
        return (await session.scalars(query)).all()

    async def ids_after(
        self, session: AsyncSession, *, after: uuid.UUID | None, limit: int
    ) -> list[uuid.UUID]:
        query = sa.select(Watch.id).order_by(Watch.id).limit(limit)
        if after is not None:
            query = query.where(Watch.id > after)
        return list((await session.scalars(query)).all())

    async def delete(self, session: AsyncSession, watch: Watch) -> None:
        await session.execute(
            sa.delete(WatchNotification).where(WatchNotification.watch_id == watch.id)
        )
        await session.delete(watch)

    async def known_programmes(self, session: AsyncSession) -> list[str]:
        """Programme labels the portal's facet gave and the stored calls name."""
        labels = await session.scalars(
            sa.select(PortalLabel.label).where(PortalLabel.facet == PROGRAMME_FACET)
        )
        named = await session.scalars(
            sa.select(Call.programme).where(Call.programme.is_not(None)).distinct()
        )
        return sorted({str(v) for v in [*labels, *named] if v})

    def _selected(
        self,
        session: AsyncSession,
        watch_id: uuid.UUID,
        groups: Sequence[Sequence[CallFilters]],
        *,
        now: datetime,
    ) -> sa.ColumnElement[bool]:
        """Calls the filter groups select (each group: any of its sets) that the watch was
        never told of."""
        where = [
            sa.or_(*(sa.and_(*call_repository.conditions(session, f, now=now)) for f in group))
            for group in groups
        ]
        told = sa.select(WatchNotification.call_id).where(WatchNotification.watch_id == watch_id)
        return sa.and_(*where, Call.id.not_in(told))

    async def record(
        self,
        session: AsyncSession,
        watch_id: uuid.UUID,
        groups: Sequence[Sequence[CallFilters]],
        *,
        now: datetime,
        baseline: bool,
    ) -> list[uuid.UUID]:
        """Record every selected call the watch was not told of, once (the unique pair
        makes a concurrent pass insert nothing); return the calls this call recorded.
        ``baseline``: calls it matched on creation, known already, never sent."""
        selected = sa.select(
            sa.literal(watch_id, sa.Uuid()),
            Call.id,
            sa.literal(now, UtcDateTime()),
            sa.literal(baseline, sa.Boolean()),
            sa.literal(now if baseline else None, UtcDateTime()),
        ).where(self._selected(session, watch_id, groups, now=now))
        insert = (postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert)(
            WatchNotification
        )
        statement = (
            insert.from_select(
                ["watch_id", "call_id", "found_at", "baseline", "delivered_at"], selected
            )
            .on_conflict_do_nothing(index_elements=["watch_id", "call_id"])
            .returning(WatchNotification.call_id)
        )
        return list((await session.scalars(statement)).all())

    async def undelivered(
        self, session: AsyncSession, watch_id: uuid.UUID, *, found_before: datetime | None
    ) -> list[tuple[WatchNotification, Call]]:
        """What the watch has not been sent yet (locked), with the calls still live,
        soonest last deadline first."""
        query = (
            sa.select(WatchNotification, Call)
            .join(Call, Call.id == WatchNotification.call_id)
            .where(
                WatchNotification.watch_id == watch_id,
                WatchNotification.delivered_at.is_(None),
                # A call removed while waiting for the digest is not sent (nor announced).
                Call.deleted_at.is_(None),
            )
            .order_by(Call.final_deadline, Call.id)
            .with_for_update(of=WatchNotification)
        )
        if found_before is not None:
            query = query.where(WatchNotification.found_at < found_before)
        rows: Any = (await session.execute(query)).all()
        return [(n, c) for n, c in rows]

    async def mark_delivered(
        self,
        session: AsyncSession,
        ids: Sequence[int],
        *,
        now: datetime,
        digest_week: str | None = None,
    ) -> None:
        if ids:
            await session.execute(
                sa.update(WatchNotification)
                .where(WatchNotification.id.in_(list(ids)))
                .values(delivered_at=now, digest_week=digest_week)
            )

    async def told(self, session: AsyncSession, watch_id: uuid.UUID) -> list[WatchNotification]:
        """Every call the watch was told of or knew, oldest first (for tests and staff)."""
        query = (
            sa.select(WatchNotification)
            .where(WatchNotification.watch_id == watch_id)
            .order_by(WatchNotification.id)
        )
        return list((await session.scalars(query)).all())


watch_repository = WatchRepository()
