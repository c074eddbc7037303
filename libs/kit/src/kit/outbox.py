"""Transactional outbox: events are rows written with the change, then relayed to JetStream.

A service builds one :class:`Outbox` on its metadata; its service functions call
:meth:`Outbox.emit` inside the business transaction. :class:`OutboxRelay` publishes pending
rows in order with ``Nats-Msg-Id`` set to the event id (so JetStream drops a duplicate if a
relay publishes twice), marks them published, backs off on failure, is woken right after a
commit and polls as a fallback. On PostgreSQL several relays share rows with
``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession

from kit.broker import Broker, ensure_streams
from kit.cloudevents import CloudEvent
from kit.db import OUTBOX_DIRTY, Database
from kit.logs import request_id_var
from kit.sqltypes import UtcDateTime
from kit.wakeup import woken

logger = logging.getLogger(__name__)

_BigIntPk = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def outbox_table(metadata: sa.MetaData) -> sa.Table:
    """Define the ``outbox`` table on a service's metadata."""
    return sa.Table(
        "outbox",
        metadata,
        sa.Column("position", _BigIntPk, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("type", sa.String(120), nullable=False),
        sa.Column("envelope", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime()),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Index(
            "ix_outbox_pending",
            "position",
            postgresql_where=sa.text("published_at IS NULL"),
            sqlite_where=sa.text("published_at IS NULL"),
        ),
    )


class Outbox:
    """The outbox of one service: where its events are written."""

    def __init__(self, metadata: sa.MetaData, *, source: str) -> None:
        self.table = outbox_table(metadata)
        self.source = source

    async def emit(
        self,
        session: AsyncSession,
        *,
        type: str,
        subject: str | None,
        data: dict[str, Any],
    ) -> CloudEvent:
        """Write an event in the current transaction; it is published only if it commits."""
        return (await self.emit_many(session, [(type, subject, data)]))[0]

    async def emit_many(
        self, session: AsyncSession, events: Sequence[tuple[str, str | None, dict[str, Any]]]
    ) -> list[CloudEvent]:
        """Write several ``(type, subject, data)`` events with one statement, in order."""
        request_id = request_id_var.get()
        now = datetime.now(UTC)
        envelopes = []
        for event_type, subject, data in events:
            event = CloudEvent(source=self.source, type=event_type, subject=subject, data=data)
            if request_id:
                setattr(event, "requestid", request_id)  # noqa: B010 - CloudEvents extension
            envelopes.append(event)
        if envelopes:
            await session.execute(
                sa.insert(self.table),
                [
                    {
                        "event_id": event.id,
                        "type": event.type,
                        "envelope": event.to_json(),
                        "created_at": now,
                        "next_attempt_at": now,
                        "attempts": 0,
                    }
                    for event in envelopes
                ],
            )
            session.info[OUTBOX_DIRTY] = True
        return envelopes


def backoff_seconds(attempts: int, *, cap: float = 60.0) -> float:
    """Exponential backoff with full jitter: 0.5 s, 1 s, 2 s ... up to ``cap``."""
    return float(random.uniform(0, min(cap, 0.5 * 2 ** max(attempts - 1, 0))))  # noqa: S311


class OutboxRelay:
    """Publishes committed outbox rows to JetStream."""

    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        broker: Broker,
        *,
        streams: list[str],
        batch_size: int = 200,
        poll_seconds: float = 1.0,
        retention: timedelta = timedelta(days=7),
    ) -> None:
        self.database = database
        self.outbox = outbox
        self.broker = broker
        self.streams = streams
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.retention = retention
        self._wake = asyncio.Event()
        self.relay_id = uuid.uuid4().hex[:8]
        # Set after a failed publish: the broker may have come back without its store (and
        # so without our stream), which only ensuring the streams again repairs.
        self._streams_doubtful = False

    def wake(self) -> None:
        """Ask the relay to look for rows now (called after a commit that wrote some)."""
        self._wake.set()

    async def run(self) -> None:
        """Relay forever: publish what is pending, then sleep until woken or polled."""
        js = await self._prepare()
        last_purge = datetime.min.replace(tzinfo=UTC)
        while True:
            self._wake.clear()
            try:
                if self._streams_doubtful:
                    await self._ensure_streams_again(js)
                published = await self.publish_pending(js)
                if datetime.now(UTC) - last_purge > timedelta(hours=1):
                    await self.purge_published()
                    last_purge = datetime.now(UTC)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("outbox relay: pass failed; retrying")
                published = 0
            if published >= self.batch_size:
                continue  # more may be waiting
            await woken(self._wake, within=self.poll_seconds)

    async def _prepare(self) -> JetStreamContext:
        js = await self.broker.connected()
        while True:
            try:
                await ensure_streams(js, self.streams)
                return js
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("outbox relay: cannot ensure streams yet (%s)", exc)
                await asyncio.sleep(1)

    async def _ensure_streams_again(self, js: JetStreamContext) -> None:
        try:
            await ensure_streams(js, self.streams)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.warning("outbox relay: cannot ensure streams yet (%s)", exc)
            return
        self._streams_doubtful = False

    async def publish_pending(self, js: JetStreamContext) -> int:
        """Publish one batch of pending rows in order; return how many were published."""
        if self.database.is_sqlite:
            return await self._publish_sqlite(js)
        return await self._publish_locked(js)

    def _pending_query(self) -> sa.Select[Any]:
        t = self.outbox.table
        return (
            sa.select(
                t.c.position,
                t.c.event_id,
                t.c.type,
                t.c.envelope,
                t.c.attempts,
                t.c.next_attempt_at,
            )
            .where(t.c.published_at.is_(None))
            .order_by(t.c.position)
            .limit(self.batch_size)
        )

    async def _publish_locked(self, js: JetStreamContext) -> int:
        # Rows stay locked while they are published, so a second relay skips them.
        async with self.database.transaction() as session:
            rows = (
                await session.execute(self._pending_query().with_for_update(skip_locked=True))
            ).all()
            done, failure = await self._publish_rows(js, rows)
            await self._record(session, done, failure)
        return len(done)

    async def _publish_sqlite(self, js: JetStreamContext) -> int:
        # SQLite has one writer at a time: read, publish outside any write lock, then record.
        # A crash between publish and record republishes; JetStream's dedupe drops it.
        async with self.database.transaction(write=False) as session:
            rows = (await session.execute(self._pending_query())).all()
        if not rows:
            return 0
        done, failure = await self._publish_rows(js, rows)
        async with self.database.transaction() as session:
            await self._record(session, done, failure)
        return len(done)

    async def _publish_rows(
        self, js: JetStreamContext, rows: Any
    ) -> tuple[list[int], tuple[int, int, str] | None]:
        done: list[int] = []
        now = datetime.now(UTC)
        for row in rows:
            if row.next_attempt_at > now:
                break  # backing off after a failure; later rows wait so order holds
            try:
                await js.publish(row.type, row.envelope, headers={"Nats-Msg-Id": row.event_id})
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # Stop at the first failure so later events never overtake earlier ones.
                return done, (row.position, row.attempts + 1, f"{type(exc).__name__}: {exc}")
            done.append(row.position)
        return done, None

    async def _record(
        self, session: AsyncSession, done: list[int], failure: tuple[int, int, str] | None
    ) -> None:
        t = self.outbox.table
        now = datetime.now(UTC)
        if done:
            await session.execute(
                sa.update(t).where(t.c.position.in_(done)).values(published_at=now)
            )
        if failure:
            self._streams_doubtful = True
            position, attempts, error = failure
            retry_at = now + timedelta(seconds=backoff_seconds(attempts))
            logger.warning("outbox relay: publish failed (attempt %d): %s", attempts, error)
            await session.execute(
                sa.update(t)
                .where(t.c.position == position)
                .values(attempts=attempts, next_attempt_at=retry_at, last_error=error[:2000])
            )

    async def purge_published(self) -> None:
        """Delete rows published longer ago than the retention period."""
        t = self.outbox.table
        cutoff = datetime.now(UTC) - self.retention
        async with self.database.transaction() as session:
            await session.execute(
                sa.delete(t).where(t.c.published_at.is_not(None), t.c.published_at < cutoff)
            )

    async def pending_count(self) -> int:
        """How many rows wait to be published (for readiness and tests)."""
        t = self.outbox.table
        async with self.database.transaction(write=False) as session:
            result = await session.execute(
                sa.select(sa.func.count()).select_from(t).where(t.c.published_at.is_(None))
            )
            return int(result.scalar_one())
