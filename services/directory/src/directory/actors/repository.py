"""Every query on actors."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from directory.actors.models import Actor


class ActorRepository:
    async def get(self, session: AsyncSession, actor_id: uuid.UUID) -> Actor | None:
        """The live actor with ``actor_id`` (tombstones excluded)."""
        actor = await session.get(Actor, actor_id)
        return actor if actor is not None and actor.deleted_at is None else None

    async def get_including_removed(
        self, session: AsyncSession, actor_id: uuid.UUID
    ) -> Actor | None:
        """The actor row even if deleted or merged (to answer with a tombstone or pointer)."""
        return await session.get(Actor, actor_id)

    async def list_after(
        self,
        session: AsyncSession,
        *,
        after: tuple[str, uuid.UUID] | None,
        limit: int,
        statuses: Sequence[str] | None = None,
    ) -> Sequence[Actor]:
        """Live actors ordered by folded name then id, starting after the cursor key."""
        query = sa.select(Actor).where(Actor.deleted_at.is_(None))
        if statuses:
            query = query.where(Actor.status.in_(statuses))
        if after is not None:
            name_key, actor_id = after
            query = query.where(
                sa.or_(
                    Actor.name_key > name_key,
                    sa.and_(Actor.name_key == name_key, Actor.id > actor_id),
                )
            )
        query = query.order_by(Actor.name_key, Actor.id).limit(limit)
        return (await session.scalars(query)).all()


actor_repository = ActorRepository()
