"""Read your writes across services: wait a bounded moment for a projection to catch up.

A client that creates an actor in the directory and at once names it to another service
(an event's organizer, a survey's invitee, the member asking the EU watch for its calls)
would otherwise be told the actor is unknown: that service only knows the directory's
actors through its projection, fed by events a few milliseconds later. A route resolves one
of these waits as a dependency *before* the request's own transaction opens, then lets its
own check answer as usual (a 422 for what is still missing).

- :func:`wait_until` polls a check over the projection, each look its own short read
  transaction: on SQLite the request's transaction holds the write lock the consumer needs to
  write the projection, and would keep the snapshot of its first read.
- :func:`wait_until_caught_up` is for a question that names no record (an audience, every
  member a call suits): it waits until the service's consumers have nothing pending on their
  streams, so what was published before the request is applied.

Both return after ``within`` seconds in any case, and at once when there is nothing to wait
for; they never raise for a projection that stays behind.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from kit.broker import Broker
from kit.consumers import ConsumerRunner
from kit.db import Database

#: How often a check is looked at again while waiting.
POLL_SECONDS = 0.05

logger = logging.getLogger(__name__)

Probe = Callable[[AsyncSession], Awaitable[bool]]


async def wait_until(
    database: Database, probe: Probe, *, within: float, poll: float = POLL_SECONDS
) -> bool:
    """Look at ``probe`` (in a read transaction of its own) until it holds or ``within``
    seconds have passed; whether it held."""
    deadline = time.monotonic() + within
    while True:
        async with database.transaction(write=False) as session:
            if await probe(session):
                return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(poll)


async def wait_until_caught_up(
    broker: Broker,
    runners: Sequence[ConsumerRunner],
    *,
    within: float,
    poll: float = POLL_SECONDS,
) -> bool:
    """Wait until every consumer in ``runners`` has no message left to apply (none waiting
    on its stream, none delivered and not yet acknowledged) or ``within`` has passed; whether
    they caught up. A broker that cannot be asked counts as caught up: the answer then comes
    from the projection as it is."""
    if not runners:
        return True
    deadline = time.monotonic() + within
    try:
        async with asyncio.timeout(max(within, 0.0)):
            js = await broker.connected()
            while True:
                pending = 0
                for runner in runners:
                    sub = runner.subscription
                    info = await js.consumer_info(sub.stream, sub.durable)
                    pending += (info.num_pending or 0) + (info.num_ack_pending or 0)
                if pending == 0:
                    return True
                if time.monotonic() + poll >= deadline:
                    return False
                await asyncio.sleep(poll)
    except TimeoutError:
        return False
    except Exception as exc:  # a read-your-writes wait never fails a request
        logger.info("could not ask NATS how far the consumers are: %s", exc)
        return True
