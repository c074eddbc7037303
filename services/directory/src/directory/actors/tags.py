"""Keeps ``actor_tags`` equal to an actor's multi-valued fields."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from directory.actors.models import Actor, ActorTag

#: facet name → Actor attribute holding its values.
TAG_FIELDS = {"type": "types", "theme": "themes", "audience": "audiences", "club": "clubs"}


async def sync_tags(session: AsyncSession, actor: Actor) -> None:
    """Replace the tags of ``actor`` with its current list values."""
    await session.execute(sa.delete(ActorTag).where(ActorTag.actor_id == actor.id))
    rows = [
        {"actor_id": actor.id, "facet": facet, "value": value}
        for facet, field in TAG_FIELDS.items()
        for value in set(getattr(actor, field) or [])
    ]
    if rows:
        await session.execute(sa.insert(ActorTag), rows)
