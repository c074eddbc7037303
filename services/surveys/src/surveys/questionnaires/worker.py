"""A survey's schedule, run periodically: close the surveys whose ``closes_at`` has passed (so
``surveys.survey.closed`` is announced), and remind, once, who has not answered a survey with
``remind_after_days`` that many days after their invitation.

Every ``MAILLAGE_SURVEYS_SCHEDULE_CHECK_SECONDS`` one replica (the ``surveys-schedule`` lease)
runs a pass; reminders are keyed per invitation in the mail outbox and counted on it, so a
second pass or a second replica mails nobody twice.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from kit.db import Database
from kit.lease import run_periodically
from kit.models import utcnow
from kit.service import Runtime
from surveys.config import Settings
from surveys.db import leases
from surveys.invitations.service import invitation_service
from surveys.questionnaires.repository import survey_repository
from surveys.questionnaires.service import survey_service


async def schedule_pass(database: Database, *, now: datetime | None = None) -> dict[str, Any]:
    """Close what is due, remind who is due; return the counts."""
    now = now or utcnow()
    closed = reminded = suppressed = 0
    async with database.transaction() as session:
        for survey in await survey_repository.open_past_closing(session, now):
            await survey_service.close_locked(session, survey)
            closed += 1
    async with database.transaction() as session:
        for survey in await survey_repository.open_reminding(session):
            days = survey.remind_after_days or 0
            report = await invitation_service.remind_locked(
                session, survey, invited_before=now - timedelta(days=days)
            )
            reminded += report.reminded
            suppressed += report.suppressed
    return {"closed": closed, "reminded": reminded, "suppressed": suppressed}


def schedule_worker(settings: Settings) -> Callable[[Runtime], Coroutine[Any, Any, None]]:
    every = settings.schedule_check_seconds

    async def surveys_schedule(runtime: Runtime) -> None:
        await run_periodically(
            runtime.database,
            leases,
            "surveys-schedule",
            lambda: schedule_pass(runtime.database),
            period=timedelta(seconds=every),
            check_every=every,
        )

    return surveys_schedule
