"""Sleeping until woken, for the loops that poll (outbox relays, webhook deliverers)."""

from __future__ import annotations

import asyncio


async def woken(event: asyncio.Event, *, within: float) -> bool:
    """Wait until ``event`` is set or ``within`` seconds pass; True when it was set.

    Not ``asyncio.wait_for(event.wait(), ...)``: on Python 3.11 that swallows a cancellation
    arriving just as the event is set (CPython gh-86296, fixed in 3.12), and a loop waiting that
    way then never stops (seen: a worker's shutdown hung for good in CI). ``asyncio.timeout``
    lets the cancellation through. A cancellation some library's ``wait_for`` swallowed
    during the loop's work (nats-py waits that way for a publish's acknowledgement) is raised
    here, so the loop stops at its next pause.
    """
    raise_if_cancelled()
    try:
        async with asyncio.timeout(within):
            await event.wait()
    except TimeoutError:
        return False
    return True


def raise_if_cancelled() -> None:
    """Re-raise a cancellation a library's ``asyncio.wait_for`` swallowed.

    nats-py's ``fetch`` waits with ``asyncio.wait_for``: a consumer cancelled just as a
    message arrives gets the message instead of its cancellation (gh-86296 again). The task
    still counts the request (``Task.cancelling()``), so a loop calls this after such a wait.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
