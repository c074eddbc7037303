"""Seats held for unconfirmed addresses are given back when their hold expires.

Every ``MAILLAGE_EVENTS_REGISTRATION_HOLD_CHECK_SECONDS`` one replica (it takes the
``registration-holds`` lease) cancels the ``pending_email`` registrations whose link was not
opened in time, event by event with the event locked, and gives the freed seats to the
waitlist as a cancellation does. A registration to the same event also frees its expired
holds first, so a seat never waits for the next pass to be taken.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from events.config import Settings
from events.db import leases
from events.registrations.service import registration_service
from kit.db import Database
from kit.lease import run_periodically
from kit.models import utcnow
from kit.service import Runtime


async def expire_holds(database: Database) -> dict[str, Any]:
    """Free the seats of every expired hold now; return how many expired."""
    async with database.transaction() as session:
        expired = await registration_service.expire_holds(session, now=utcnow())
    return {"expired": expired}


def hold_expiry_worker(settings: Settings) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    every = settings.registration_hold_check_seconds

    async def registration_holds(runtime: Runtime) -> None:
        await run_periodically(
            runtime.database,
            leases,
            "registration-holds",
            lambda: expire_holds(runtime.database),
            period=timedelta(seconds=every),
            check_every=every,
        )

    return registration_holds
