"""The day-before reminder: confirmed registrants hear of their event once, ahead of it.

Every ``MAILLAGE_EVENTS_REMINDER_CHECK_SECONDS`` one replica (it takes the ``event-reminders``
lease) writes a reminder for each confirmed registration of an event starting within
``MAILLAGE_EVENTS_REMINDER_HOURS_BEFORE`` hours; the message key (registration and start time)
makes a second pass, or a second replica, mail nobody twice, while a rescheduled event gets
its reminder again for its new date. Reminders carry one-click unsubscribe.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from events.config import Settings
from events.db import leases
from events.registrations.messages import registration_messages
from events.registrations.repository import registration_repository
from kit.db import Database
from kit.lease import run_periodically
from kit.models import utcnow
from kit.service import Runtime


async def send_reminders(
    database: Database, *, ahead: timedelta, now: datetime | None = None
) -> dict[str, Any]:
    """Write the reminders due now; return how many were new."""
    now = now or utcnow()
    written = 0
    async with database.transaction() as session:
        due = await registration_repository.confirmed_for_events_starting(
            session, after=now, until=now + ahead
        )
        for event, registration in due:
            written += await registration_messages.reminder(
                session, event=event, registration=registration
            )
    return {"due": len(due), "written": written}


def reminder_worker(settings: Settings) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    ahead = timedelta(hours=settings.reminder_hours_before)
    every = settings.reminder_check_seconds

    async def event_reminders(runtime: Runtime) -> None:
        await run_periodically(
            runtime.database,
            leases,
            "event-reminders",
            lambda: send_reminders(runtime.database, ahead=ahead),
            period=timedelta(seconds=every),
            check_every=every,
        )

    return event_reminders
