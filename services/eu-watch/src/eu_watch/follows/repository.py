"""Every query on follows and deadline announcements."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabularies import CallStatus
from eu_watch.actors.models import KnownActor
from eu_watch.calls.models import Call, CallDeadline
from eu_watch.follows.models import CallFollow, DeadlineAnnouncement
from kit.db import dialect_of


def _insert(session: AsyncSession, model: Any) -> Any:
    return (postgresql.insert if dialect_of(session) == "postgresql" else sqlite.insert)(model)


class FollowRepository:
    async def get(
        self, session: AsyncSession, *, actor_id: uuid.UUID, call_id: uuid.UUID
    ) -> CallFollow | None:
        return await session.get(CallFollow, (actor_id, call_id))

    async def add(self, session: AsyncSession, follow: CallFollow) -> bool:
        """Add the follow unless it exists (a retried request follows once); True if new."""
        result = await session.execute(
            _insert(session, CallFollow)
            .values(
                actor_id=follow.actor_id,
                call_id=follow.call_id,
                created_at=follow.created_at,
                created_by=follow.created_by,
                email=follow.email,
                language=follow.language,
            )
            .on_conflict_do_nothing(index_elements=["actor_id", "call_id"])
        )
        return bool(getattr(result, "rowcount", 0))

    async def remove(self, session: AsyncSession, follow: CallFollow) -> None:
        await session.delete(follow)

    async def page(
        self,
        session: AsyncSession,
        *,
        actor_ids: Sequence[uuid.UUID] | None,
        after: tuple[datetime, uuid.UUID, uuid.UUID] | None,
        limit: int,
    ) -> list[tuple[CallFollow, Call]]:
        """Follows of live calls, oldest first; ``actor_ids`` None: everyone's."""
        query = (
            sa.select(CallFollow, Call)
            .join(Call, Call.id == CallFollow.call_id)
            .where(Call.deleted_at.is_(None))
        )
        if actor_ids is not None:
            query = query.where(CallFollow.actor_id.in_(list(actor_ids)))
        if after is not None:
            query = query.where(
                sa.tuple_(CallFollow.created_at, CallFollow.actor_id, CallFollow.call_id)
                > sa.tuple_(*after)
            )
        query = query.order_by(CallFollow.created_at, CallFollow.actor_id, CallFollow.call_id)
        rows: Any = (await session.execute(query.limit(limit))).all()
        return [(follow, call) for follow, call in rows]

    async def cut_offs_between(
        self, session: AsyncSession, *, after: datetime, until: datetime
    ) -> list[tuple[Call, datetime]]:
        """(call, cut-off) of the live calls not closed with a cut-off in (after, until]."""
        query = (
            sa.select(Call, CallDeadline.deadline)
            .join(CallDeadline, CallDeadline.call_id == Call.id)
            .where(
                Call.deleted_at.is_(None),
                Call.status != CallStatus.CLOSED.value,
                CallDeadline.deadline > after,
                CallDeadline.deadline <= until,
            )
            .order_by(CallDeadline.deadline, Call.id)
        )
        rows: Any = (await session.execute(query)).all()
        return [(call, deadline) for call, deadline in rows]

    async def followers(
        self, session: AsyncSession, call_ids: Sequence[uuid.UUID]
    ) -> list[tuple[CallFollow, str | None]]:
        """The follows of ``call_ids`` with each actor's public address (None if unknown or
        gone)."""
        if not call_ids:
            return []
        query = (
            sa.select(CallFollow, KnownActor.email)
            .outerjoin(
                KnownActor,
                sa.and_(KnownActor.id == CallFollow.actor_id, KnownActor.deleted_at.is_(None)),
            )
            .where(CallFollow.call_id.in_(list(call_ids)))
            .order_by(CallFollow.call_id, CallFollow.actor_id)
        )
        rows: Any = (await session.execute(query)).all()
        return [(follow, email) for follow, email in rows]

    async def announce_once(
        self,
        session: AsyncSession,
        *,
        call_id: uuid.UUID,
        deadline: datetime,
        days: int,
        now: datetime,
    ) -> bool:
        """Record that this cut-off's ``days`` threshold is announced; False if it was."""
        result = await session.execute(
            _insert(session, DeadlineAnnouncement)
            .values(call_id=call_id, deadline=deadline, days=days, announced_at=now)
            .on_conflict_do_nothing(index_elements=["call_id", "deadline", "days"])
        )
        return bool(getattr(result, "rowcount", 0))


follow_repository = FollowRepository()
