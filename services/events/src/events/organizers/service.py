"""What the calendar knows of the directory's actors (its projection), for the routes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from events.organizers.repository import known_actor_repository
from kit.db import Database
from kit.read_your_writes import wait_until


async def wait_until_known(
    database: Database, actor_ids: Sequence[uuid.UUID], *, within: float
) -> None:
    """Read your writes: give the projection up to ``within`` seconds to hear of actors the
    directory created a moment ago, so a client that creates an actor and then an event it
    organizes is not told the actor is unknown. Returns at once when all are known, and after
    ``within`` in any case (the caller's own check then answers 422 for those still missing).
    The wait is :func:`kit.read_your_writes.wait_until`, run before the request's own
    transaction opens.
    """
    wanted = set(actor_ids)
    if not wanted:
        return

    async def all_known(session: AsyncSession) -> bool:
        return wanted <= (await known_actor_repository.get_many(session, wanted)).keys()

    await wait_until(database, all_known, within=within)
