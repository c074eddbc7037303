"""Queries on the actor projection."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from events.organizers.models import KnownActor


class KnownActorRepository:
    async def get(self, session: AsyncSession, actor_id: uuid.UUID) -> KnownActor | None:
        return await session.get(KnownActor, actor_id)

    async def get_many(
        self, session: AsyncSession, actor_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, KnownActor]:
        ids = list(set(actor_ids))
        if not ids:
            return {}
        rows = await session.scalars(sa.select(KnownActor).where(KnownActor.id.in_(ids)))
        return {row.id: row for row in rows}

    async def fingerprint(self, session: AsyncSession) -> tuple[int, int]:
        """Changes whenever an actor is added or changed (versions only grow)."""
        count, versions = (
            await session.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(KnownActor.version), 0))
            )
        ).one()
        return int(count), int(versions)


known_actor_repository = KnownActorRepository()
