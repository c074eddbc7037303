"""Read your writes on the actor projection: what an invitation run waits for."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from kit.read_your_writes import wait_until, wait_until_caught_up
from kit.service import Runtime
from surveys.actors.repository import known_actor_repository


async def wait_for_actors(
    runtime: Runtime,
    *,
    actor_ids: Sequence[uuid.UUID],
    audience: bool,
    within: float,
) -> None:
    """Give the projection up to ``within`` seconds to hear of what the directory wrote a
    moment ago: the named actors, and, for an audience (which names nobody), every event
    already published to the consumers. Returns at once when there is nothing to wait for;
    the run's own checks then answer as usual (a 422 for an actor still unknown)."""
    wanted = set(actor_ids)
    if wanted:

        async def all_known(session: AsyncSession) -> bool:
            return wanted <= (await known_actor_repository.get_many(session, wanted)).keys()

        await wait_until(runtime.database, all_known, within=within)
    if audience:
        await wait_until_caught_up(runtime.broker, runtime.runners, within=within)
