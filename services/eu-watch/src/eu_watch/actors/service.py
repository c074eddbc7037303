"""Read your writes on the actor projection: what a matching question waits for."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from eu_watch.actors.repository import known_actor_repository
from kit.read_your_writes import wait_until, wait_until_caught_up
from kit.service import Runtime


async def wait_for_actor(runtime: Runtime, actor_id: uuid.UUID, *, within: float) -> None:
    """Give the projection up to ``within`` seconds to hear of an actor the directory created
    a moment ago (returns at once for one it knows; the question's own check then answers,
    a 422 for an actor still unknown or not an active member)."""

    async def known(session: AsyncSession) -> bool:
        return await known_actor_repository.get(session, actor_id) is not None

    await wait_until(runtime.database, known, within=within)


async def wait_for_directory(runtime: Runtime, *, within: float) -> None:
    """For a question that names no actor (every member a call suits): give the consumers up
    to ``within`` seconds to apply what the directory has already published."""
    await wait_until_caught_up(runtime.broker, runtime.runners, within=within)
