"""The watch pass: every ``MAILLAGE_EU_WATCH_WATCH_CHECK_SECONDS`` one replica (the
``watch-notifications`` lease) looks, watch by watch, for calls new to it and sends what is
due. A pass that runs twice, or beside another replica's, sends nothing twice: each (watch,
call) row is written once, and only what a transaction marks sent is sent."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from eu_watch.config import Settings
from eu_watch.db import leases
from eu_watch.watches.repository import watch_repository
from eu_watch.watches.service import DigestSchedule, watch_service
from kit.db import Database
from kit.lease import run_periodically
from kit.models import utcnow
from kit.service import Runtime

logger = logging.getLogger(__name__)

WATCH_LEASE = "watch-notifications"
BATCH = 200


def digest_schedule(settings: Settings) -> DigestSchedule:
    return DigestSchedule(
        weekday=settings.digest_weekday,
        hour=settings.digest_hour,
        staff_email=settings.common.staff_email or None,
    )


async def watch_pass(
    database: Database, *, schedule: DigestSchedule, now: datetime | None = None
) -> dict[str, Any]:
    """One pass over every watch (each in its own transaction); returns what it did."""
    now = now or utcnow()
    totals = {"watches": 0, "found": 0, "sent": 0, "mails": 0, "events": 0}
    after = None
    while True:
        async with database.transaction(write=False) as session:
            ids = await watch_repository.ids_after(session, after=after, limit=BATCH)
        for watch_id in ids:
            async with database.transaction() as session:
                counts = await watch_service.notify(
                    session, watch_id=watch_id, now=now, schedule=schedule
                )
            totals["watches"] += 1
            totals["found"] += counts.found
            totals["sent"] += counts.sent
            totals["mails"] += counts.mails
            totals["events"] += counts.events
            for reason in counts.skipped:
                logger.info("watch pass: %s", reason)
        if len(ids) < BATCH:
            return totals
        after = ids[-1]


def watch_worker(settings: Settings) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    every = settings.watch_check_seconds
    schedule = digest_schedule(settings)

    async def eu_watch_watches(runtime: Runtime) -> None:
        await run_periodically(
            runtime.database,
            leases,
            WATCH_LEASE,
            lambda: watch_pass(runtime.database, schedule=schedule),
            period=timedelta(seconds=every),
            check_every=every,
            hold_for=timedelta(minutes=10),
        )

    return eu_watch_watches
