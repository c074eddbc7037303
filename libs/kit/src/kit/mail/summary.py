"""The staff's daily summary: what waits for them in a service, in one message a day.

Off by default (``MAILLAGE_STAFF_SUMMARY=true`` and ``MAILLAGE_STAFF_EMAIL`` turn it on). Each
mailing service that has something for staff runs :func:`staff_summary_worker` with a
``collect`` function returning its sections (what waits, how many, the first few, where to
look); one replica (a lease row) checks every ``check_seconds`` and, from
``MAILLAGE_STAFF_SUMMARY_HOUR`` (Europe/Paris) on, writes the day's message once (keyed by
service and date) if anything waits. Its failed messages are always one section.
Template: ``kit/mail/templates/<lang>/staff_summary.*`` (a service may override it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from kit.db import Database
from kit.lease import run_periodically
from kit.mail.outbox import MailCategory, MailOutbox, MailStatus
from kit.mail.rendering import PARIS
from kit.models import utcnow
from kit.settings import CommonSettings

logger = logging.getLogger(__name__)

#: What staff unsubscribe from when they stop the summary.
SUMMARY_KIND = "staff_summary"
#: How the unsubscribe page names it (French, English).
SUMMARY_KIND_LABEL = (
    "le résumé quotidien de ce qui attend l'équipe",
    "the daily summary of what waits for the team",
)


class SummarySection(BaseModel):
    """One kind of thing waiting: ``key`` names it in the template (``pending_events``,
    ``pending_registrations``, ``pending_claims``, ``failed_mail``)."""

    key: str
    count: int
    examples: list[str] = []
    link: str | None = None


async def failed_mail_section(session: AsyncSession, mail: MailOutbox) -> SummarySection:
    """Messages of this service that failed and were not sent again."""
    t = mail.table
    count = await session.scalar(
        sa.select(sa.func.count()).select_from(t).where(t.c.status == MailStatus.FAILED.value)
    )
    rows = await session.execute(
        sa.select(t.c.recipient, t.c.template, t.c.last_error)
        .where(t.c.status == MailStatus.FAILED.value)
        .order_by(t.c.id.desc())
        .limit(5)
    )
    return SummarySection(
        key="failed_mail",
        count=int(count or 0),
        examples=[f"{r.template} → {r.recipient}: {(r.last_error or '')[:120]}" for r in rows],
        link=f"/v1/mail/{mail.service.replace('_', '-')}?status=failed",
    )


async def write_staff_summary(
    database: Database,
    mail: MailOutbox,
    settings: CommonSettings,
    collect: Callable[[AsyncSession], Awaitable[list[SummarySection]]],
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Write today's summary if it is time, something waits, and it was not written yet."""
    now = now or utcnow()
    local = now.astimezone(PARIS)
    if not settings.staff_email or local.hour < settings.staff_summary_hour:
        return {"written": False}
    async with database.transaction() as session:
        sections = [*await collect(session), await failed_mail_section(session, mail)]
        waiting = [s for s in sections if s.count]
        if not waiting:
            return {"written": False, "waiting": 0}
        written = await mail.send(
            session,
            to=settings.staff_email,
            template="staff_summary",
            data={
                "service": mail.service,
                "day": local.date().isoformat(),
                "sections": [s.model_dump() for s in waiting],
            },
            key=f"staff-summary:{mail.service}:{local.date().isoformat()}",
            category=MailCategory.DIGEST,
            kind=SUMMARY_KIND,
        )
    return {"written": written, "waiting": sum(s.count for s in waiting)}


def staff_summary_worker(
    mail: MailOutbox,
    leases: sa.Table,
    settings: CommonSettings,
    collect: Callable[[AsyncSession], Awaitable[list[SummarySection]]],
    *,
    check_seconds: float = 600.0,
) -> Callable[[Any], Coroutine[Any, Any, None]]:
    """A service worker (``ServiceSpec.workers``) writing the daily summary."""

    async def staff_summary(runtime: Any) -> None:
        await run_periodically(
            runtime.database,
            leases,
            f"staff-summary-{mail.service}",
            lambda: write_staff_summary(runtime.database, mail, settings, collect),
            period=timedelta(seconds=check_seconds),
            check_every=check_seconds,
        )

    return staff_summary
