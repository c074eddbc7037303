"""What the calendar knows of the directory's actors (its projection), for the routes."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence

from events.organizers.repository import known_actor_repository
from kit.db import Database

POLL_SECONDS = 0.05


async def wait_until_known(
    database: Database, actor_ids: Sequence[uuid.UUID], *, within: float
) -> None:
    """Read your writes: give the projection up to ``within`` seconds to hear of actors the
    directory created a moment ago, so a client that creates an actor and then an event it
    organizes is not told the actor is unknown. Returns at once when all are known, and after
    ``within`` in any case (the caller's own check then answers 422 for those still missing).

    Each look is its own short read transaction, taken before the request's own one: on
    SQLite that one holds the write lock, which the consumer writing the projection waits for,
    and keeps the snapshot of its first read.
    """
    wanted = set(actor_ids)
    if not wanted:
        return
    deadline = time.monotonic() + within
    while True:
        async with database.transaction(write=False) as session:
            known = await known_actor_repository.get_many(session, wanted)
        if wanted <= known.keys() or time.monotonic() >= deadline:
            return
        await asyncio.sleep(POLL_SECONDS)
