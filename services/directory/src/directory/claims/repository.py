"""Every query on claims."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from directory.actors.models import Actor
from directory.claims.models import Claim


class ClaimRepository:
    async def get(self, session: AsyncSession, claim_id: uuid.UUID) -> Claim | None:
        return await session.get(Claim, claim_id)

    async def list_for_actor(self, session: AsyncSession, actor_id: uuid.UUID) -> Sequence[Claim]:
        """An actor's claims, oldest first."""
        query = sa.select(Claim).where(Claim.actor_id == actor_id).order_by(Claim.created_at)
        return (await session.scalars(query)).all()

    async def pending(self, session: AsyncSession, *, limit: int) -> tuple[int, list[str]]:
        """How many claims wait for staff, and the names of the oldest claimed records."""
        count = await session.scalar(
            sa.select(sa.func.count()).select_from(Claim).where(Claim.status == "pending")
        )
        names = await session.scalars(
            sa.select(Actor.name)
            .join(Claim, Claim.actor_id == Actor.id)
            .where(Claim.status == "pending")
            .order_by(Claim.created_at)
            .limit(limit)
        )
        return int(count or 0), list(names)


claim_repository = ClaimRepository()
