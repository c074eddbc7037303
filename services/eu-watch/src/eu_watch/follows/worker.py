"""Deadline reminders: every ``MAILLAGE_EU_WATCH_REMINDER_CHECK_SECONDS`` one replica (the
``deadline-reminders`` lease) announces the cut-offs that reached a threshold and reminds the
calls' followers, each once whatever the passes and replicas."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime, timedelta
from typing import Any

from eu_watch.config import Settings
from eu_watch.db import leases
from eu_watch.follows.service import follow_service
from kit.db import Database
from kit.lease import run_periodically
from kit.models import utcnow
from kit.service import Runtime

REMINDER_LEASE = "deadline-reminders"


async def reminder_pass(
    database: Database, *, thresholds: Sequence[int], now: datetime | None = None
) -> dict[str, Any]:
    async with database.transaction() as session:
        counts = await follow_service.remind(session, now=now or utcnow(), thresholds=thresholds)
    return counts.as_dict()


def reminder_worker(settings: Settings) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    every = settings.reminder_check_seconds
    thresholds = tuple(settings.reminder_days)

    async def eu_watch_reminders(runtime: Runtime) -> None:
        await run_periodically(
            runtime.database,
            leases,
            REMINDER_LEASE,
            lambda: reminder_pass(runtime.database, thresholds=thresholds),
            period=timedelta(seconds=every),
            check_every=every,
        )

    return eu_watch_reminders
