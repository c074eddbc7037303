"""Leases: periodic work that one replica runs per period.

A ``leases`` row per job records who holds it, until when, its last run and what that run
counted or what went wrong (for staff to read). :func:`take_lease` is one atomic UPDATE: the
row is taken only if nobody holds it (or the holder's lease ran out) and, when a period is
given, the last run is at least that old. Two replicas calling it at once: one wins.

A service adds the table with :func:`kit.migrations.create_lease_table` in a migration and
defines it on its metadata with :func:`lease_table`; a worker then loops::

    async def reminders_worker(runtime):
        while True:
            if await take_lease(db, leases, "reminders", holder=me, period=timedelta(hours=1)):
                try:
                    counts = await send_reminders(...)
                    await finish_lease(db, leases, "reminders", holder=me, result=counts)
                except Exception as exc:
                    await finish_lease(db, leases, "reminders", holder=me, error=str(exc))
            await asyncio.sleep(60)

:func:`run_periodically` is that loop.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kit.db import Database
from kit.sqltypes import Json, UtcDateTime

logger = logging.getLogger(__name__)


def lease_table(metadata: sa.MetaData) -> sa.Table:
    """Define the ``leases`` table on a service's metadata."""
    return sa.Table(
        "leases",
        metadata,
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("holder", sa.String(120)),
        sa.Column("held_until", UtcDateTime()),
        sa.Column("last_run_at", UtcDateTime()),
        sa.Column("last_result", Json),
        sa.Column("last_error", sa.Text),
    )


async def take_lease(
    database: Database,
    table: sa.Table,
    name: str,
    *,
    holder: str,
    hold_for: timedelta = timedelta(minutes=10),
    period: timedelta | None = None,
) -> bool:
    """Take the lease ``name`` for ``hold_for``; True if this caller now holds it.

    With ``period``, it is taken only when the last run started at least ``period`` ago:
    across replicas the job runs once per period. ``hold_for`` must outlast the job (a holder
    that dies frees it when it runs out).
    """
    now = datetime.now(UTC)
    async with database.transaction() as session:
        insert = (postgresql.insert if not database.is_sqlite else sqlite.insert)(table)
        await session.execute(insert.values(name=name).on_conflict_do_nothing())
        free = sa.or_(table.c.held_until.is_(None), table.c.held_until < now)
        due = (
            sa.true()
            if period is None
            else sa.or_(table.c.last_run_at.is_(None), table.c.last_run_at <= now - period)
        )
        result = await session.execute(
            sa.update(table)
            .where(table.c.name == name, free, due)
            .values(holder=holder, held_until=now + hold_for, last_run_at=now)
        )
        return bool(getattr(result, "rowcount", 0))


async def renew_lease(
    database: Database, table: sa.Table, name: str, *, holder: str, hold_for: timedelta
) -> bool:
    """Hold the lease ``hold_for`` longer from now, for a long job that renews it as it goes
    (each of its steps must then be shorter than ``hold_for``); False when ``holder`` no
    longer holds it (it ran out and another took it: the job should stop)."""
    async with database.transaction() as session:
        result = await session.execute(
            sa.update(table)
            .where(table.c.name == name, table.c.holder == holder, table.c.held_until.is_not(None))
            .values(held_until=datetime.now(UTC) + hold_for)
        )
        return bool(getattr(result, "rowcount", 0))


async def finish_lease(
    database: Database,
    table: sa.Table,
    name: str,
    *,
    holder: str,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """Free the lease and record what the run did (``result``) or why it failed."""
    async with database.transaction() as session:
        await session.execute(
            sa.update(table)
            .where(table.c.name == name, table.c.holder == holder)
            .values(held_until=None, last_result=result, last_error=error)
        )


async def run_periodically(
    database: Database,
    table: sa.Table,
    name: str,
    job: Callable[[], Awaitable[dict[str, Any] | None]],
    *,
    period: timedelta,
    check_every: float = 60.0,
    hold_for: timedelta = timedelta(minutes=10),
) -> None:
    """Forever: every ``check_every`` seconds, run ``job`` if this replica takes the lease
    for this period; record its result or error. While the job runs the lease is renewed
    every third of ``hold_for``: a job longer than ``hold_for`` keeps it, and only a replica
    that died (or lost the database) lets it run out."""
    holder = f"{name}-{uuid.uuid4().hex[:8]}"
    while True:
        try:
            if await take_lease(
                database, table, name, holder=holder, hold_for=hold_for, period=period
            ):
                heartbeat = asyncio.create_task(
                    _keep_renewing(database, table, name, holder=holder, hold_for=hold_for)
                )
                outcome: dict[str, Any]
                try:
                    outcome = {"result": await job()}
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    logger.exception("periodic job %s failed", name)
                    outcome = {"error": f"{type(exc).__name__}: {exc}"}
                finally:
                    await _stop(heartbeat)  # before the lease is freed: no renewal after
                await finish_lease(database, table, name, holder=holder, **outcome)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("periodic job %s: lease check failed", name)
        await asyncio.sleep(check_every)


async def _keep_renewing(
    database: Database, table: sa.Table, name: str, *, holder: str, hold_for: timedelta
) -> None:
    """Renew the lease every third of ``hold_for`` until cancelled (a failed renewal is
    tried again at the next beat: the lease still has two thirds to run)."""
    while True:
        await asyncio.sleep(hold_for.total_seconds() / 3)
        try:
            if not await renew_lease(database, table, name, holder=holder, hold_for=hold_for):
                logger.warning("periodic job %s: its lease was taken by another holder", name)
                return
        except Exception:
            logger.exception("periodic job %s: renewing its lease failed", name)


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
