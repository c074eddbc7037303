"""The eu-watch scheduler: the portal sync at start-up and every interval, and status moves.

Every replica runs this loop; leases make one of them do each piece of work, and the time of
the last sync is read from its lease row, never kept in memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from eu_watch.calls.service import call_service
from eu_watch.config import Settings
from eu_watch.db import leases
from eu_watch.sources.service import PROCESS_HOLDER, sedia_sync
from kit.db import Database
from kit.lease import finish_lease, take_lease
from kit.models import utcnow
from kit.service import Runtime

logger = logging.getLogger(__name__)

STATUS_LEASE = "status-moves"
STATUS_BATCH = 500


async def move_statuses(database: Database, *, holder: str = PROCESS_HOLDER) -> int:
    """Move every call its dates moved since the last tick (one replica at a time)."""
    if not await take_lease(
        database, leases, STATUS_LEASE, holder=holder, hold_for=timedelta(minutes=5)
    ):
        return 0
    moved = 0
    try:
        while True:
            async with database.transaction() as session:
                batch = await call_service.move_statuses(session, now=utcnow(), limit=STATUS_BATCH)
            moved += batch
            if batch < STATUS_BATCH:
                return moved
    finally:
        await finish_lease(database, leases, STATUS_LEASE, holder=holder, result={"moved": moved})


def scheduler(settings: Settings) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    """The service worker: a sync at start-up (when the sync is on), then at every tick the
    status moves and the sync once its interval has passed since the last run."""
    interval = timedelta(seconds=settings.sedia_sync_interval_seconds)

    async def eu_watch_scheduler(runtime: Runtime) -> None:
        database = runtime.database
        if settings.sedia_sync:
            try:
                await sedia_sync.run(database, settings, trigger="start-up")
            except Exception:
                logger.exception("sedia sync at start-up failed")
        while True:
            try:
                await move_statuses(database)
                if settings.sedia_sync:
                    await sedia_sync.run(database, settings, trigger="schedule", period=interval)
            except Exception:
                # The database may be briefly unreachable: try again at the next tick.
                logger.exception("eu-watch scheduler tick failed; retrying at the next one")
            await asyncio.sleep(settings.scheduler_tick_seconds)

    return eu_watch_scheduler
