"""The registrations' periodic work; each pass takes its own lease, so one replica runs it.

Held seats: every ``MAILLAGE_EVENTS_REGISTRATION_HOLD_CHECK_SECONDS`` (the
``registration-holds`` lease) the ``pending_email`` registrations whose link was not opened
in time are cancelled, event by event with the event locked, and the freed seats go to the
waitlist as a cancellation does. A registration to the same event also frees its expired
holds first, so a seat never waits for the next pass to be taken.

The day-before reminder: every ``MAILLAGE_EVENTS_REMINDER_CHECK_SECONDS`` (the
``event-reminders`` lease) a reminder is written for each confirmed registration of an event
starting within ``MAILLAGE_EVENTS_REMINDER_HOURS_BEFORE`` hours; the message key
(registration and start time) makes a second pass, or a second replica, mail nobody twice,
while a rescheduled event gets its reminder again for its new date. Reminders carry one-click
unsubscribe.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from events.config import Settings
from events.db import leases
from events.registrations.messages import registration_messages
from events.registrations.repository import registration_repository
from events.registrations.service import registration_service
from kit.db import Database
from kit.lease import run_periodically
from kit.models import utcnow
from kit.service import Runtime

Worker = Callable[[Runtime], Coroutine[Any, Any, None]]


async def expire_holds(database: Database) -> dict[str, Any]:
    """Free the seats of every expired hold now; return how many expired."""
    async with database.transaction() as session:
        expired = await registration_service.expire_holds(session, now=utcnow())
    return {"expired": expired}


def hold_expiry_worker(settings: Settings) -> Worker:
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


def reminder_worker(settings: Settings) -> Worker:
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
