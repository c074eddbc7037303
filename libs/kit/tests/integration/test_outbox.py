"""The outbox relay against real databases and a real JetStream."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
import sqlalchemy as sa
from nats.js import JetStreamContext

from kit.broker import Broker
from kit.cloudevents import CloudEvent
from kit.db import Database
from kit.outbox import Outbox, OutboxRelay
from kit.testing.jetstream import stream_messages
from kit.testing.nats import NatsServer
from kit.testing.plugin import DatabaseFactory
from kit.testing.polling import wait_until

from .conftest import unique_subject

STREAM = "DIRECTORY"


@pytest.fixture
async def outbox(database: Database) -> Outbox:
    metadata = sa.MetaData()
    outbox = Outbox(metadata, source="/kit-test")
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return outbox


async def emit(database: Database, outbox: Outbox, subject: str, n: int = 1) -> list[str]:
    """Write ``n`` events in one committed transaction; return their ids."""
    async with database.transaction() as session:
        return [
            (await outbox.emit(session, type=subject, subject=None, data={"n": i})).id
            for i in range(n)
        ]


async def outbox_rows(database: Database, outbox: Outbox) -> list[Any]:
    t = outbox.table
    async with database.transaction(write=False) as session:
        return list((await session.execute(sa.select(t).order_by(t.c.position))).all())


async def published_ids(js: JetStreamContext, subject: str) -> list[str]:
    return [
        m.headers["Nats-Msg-Id"] for m in await stream_messages(js, STREAM, subject) if m.headers
    ]


@contextlib.asynccontextmanager
async def running(relay: OutboxRelay) -> AsyncIterator[asyncio.Task[None]]:
    relay.database.on_outbox_commit(relay.wake)
    task = asyncio.create_task(relay.run())
    try:
        js = await relay.broker.connected()
        await wait_until(lambda: _has_stream(js), what="relay ensured its stream")
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _has_stream(js: JetStreamContext) -> bool:
    try:
        await js.stream_info(STREAM)
    except Exception:
        return False
    return True


async def test_published_with_the_event_id_as_msg_id_and_marked(
    database: Database, outbox: Outbox, broker: Broker
) -> None:
    subject = unique_subject("directory")
    ids = await emit(database, outbox, subject, n=3)
    relay = OutboxRelay(database, outbox, broker, streams=[STREAM])
    js = await broker.connected()
    await relay._prepare()

    assert await relay.publish_pending(js) == 3

    messages = await stream_messages(js, STREAM, subject)
    assert [m.headers["Nats-Msg-Id"] for m in messages if m.headers] == ids
    assert [CloudEvent.from_json(m.data or b"").id for m in messages] == ids
    rows = await outbox_rows(database, outbox)
    assert all(row.published_at is not None for row in rows)
    assert all(row.published_at.tzinfo == UTC for row in rows)
    assert all(abs(datetime.now(UTC) - row.published_at) < timedelta(minutes=1) for row in rows)
    assert await relay.pending_count() == 0
    assert await relay.publish_pending(js) == 0  # nothing is published twice
    assert len(await stream_messages(js, STREAM, subject)) == 3


async def emit_then_fail(database: Database, outbox: Outbox, subject: str) -> None:
    async with database.transaction() as session:
        await outbox.emit(session, type=subject, subject=None, data={})
        raise RuntimeError("rolled back")


async def test_rolled_back_events_are_never_published(
    database: Database, outbox: Outbox, broker: Broker
) -> None:
    subject = unique_subject("directory")
    with pytest.raises(RuntimeError):
        await emit_then_fail(database, outbox, subject)
    relay = OutboxRelay(database, outbox, broker, streams=[STREAM])
    await relay._prepare()
    assert await relay.pending_count() == 0
    assert await relay.publish_pending(await broker.connected()) == 0


async def test_woken_right_after_commit(database: Database, outbox: Outbox, broker: Broker) -> None:
    subject = unique_subject("directory")
    js = await broker.connected()
    relay = OutboxRelay(database, outbox, broker, streams=[STREAM], poll_seconds=30.0)
    async with running(relay):
        expected: list[str] = []
        for _ in range(3):  # every commit wakes it, not only the first
            expected += await emit(database, outbox, subject)

            async def all_out(now: tuple[str, ...] = tuple(expected)) -> bool:
                return tuple(await published_ids(js, subject)) == now

            await wait_until(
                all_out,
                within=1.0,
                what="published within a second although the poll interval is 30 s",
            )


async def test_a_row_backing_off_holds_back_later_rows(
    database: Database, outbox: Outbox, broker: Broker
) -> None:
    subject = unique_subject("directory")
    ids = await emit(database, outbox, subject, n=3)
    t = outbox.table
    async with database.transaction() as session:  # as if the first publish had failed
        await session.execute(
            sa.update(t)
            .where(t.c.event_id == ids[0])
            .values(attempts=1, next_attempt_at=datetime.now(UTC) + timedelta(hours=1))
        )
    relay = OutboxRelay(database, outbox, broker, streams=[STREAM])
    await relay._prepare()
    js = await broker.connected()

    assert await relay.publish_pending(js) == 0
    assert await published_ids(js, subject) == []

    async with database.transaction() as session:
        await session.execute(
            sa.update(t).where(t.c.event_id == ids[0]).values(next_attempt_at=datetime.now(UTC))
        )
    assert await relay.publish_pending(js) == 3
    assert await published_ids(js, subject) == ids


async def test_nats_down_rows_wait_then_go_out_in_order(
    database: Database, outbox: Outbox, own_nats: NatsServer
) -> None:
    subject = unique_subject("directory")
    broker = Broker(own_nats.url, name="kit-test-restart")
    broker.start()
    relay = OutboxRelay(database, outbox, broker, streams=[STREAM], poll_seconds=0.2)
    try:
        async with running(relay):
            own_nats.stop()
            ids: list[str] = []
            for _ in range(3):
                ids += await emit(database, outbox, subject)

            async def first_failed() -> bool:
                rows = await outbox_rows(database, outbox)
                return rows[0].attempts >= 1 and rows[0].last_error is not None

            await wait_until(first_failed, within=20.0, what="a failed attempt recorded")
            rows = await outbox_rows(database, outbox)
            assert [row.published_at for row in rows] == [None, None, None]
            assert rows[0].next_attempt_at > rows[0].created_at
            assert [row.attempts for row in rows[1:]] == [0, 0]  # never tried out of order

            own_nats.start()
            await wait_until(
                lambda: _none_pending(relay), within=30.0, what="published after restart"
            )
            js = await broker.connected()
            assert await published_ids(js, subject) == ids
    finally:
        await broker.close()


async def _none_pending(relay: OutboxRelay) -> bool:
    return await relay.pending_count() == 0


class CountingJetStream:
    """A JetStream context that remembers what it was asked to publish."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js
        self.published: list[str] = []

    async def publish(self, subject: str, payload: bytes, **kwargs: Any) -> Any:
        self.published.append(kwargs["headers"]["Nats-Msg-Id"])
        await asyncio.sleep(0)  # let the other relay run while this one holds its rows
        return await self._js.publish(subject, payload, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._js, name)


async def test_two_relays_on_postgresql_publish_each_row_once(
    database_factory: DatabaseFactory, broker: Broker
) -> None:
    database = Database(await database_factory("postgresql", "kit_relays"))
    try:
        metadata = sa.MetaData()
        outbox = Outbox(metadata, source="/kit-test")
        async with database.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        subject = unique_subject("directory")
        ids = await emit(database, outbox, subject, n=200)
        js = await broker.connected()
        relays = [
            OutboxRelay(database, outbox, broker, streams=[STREAM], batch_size=10) for _ in range(2)
        ]
        await relays[0]._prepare()
        counters = [CountingJetStream(js) for _ in relays]

        async def drain(relay: OutboxRelay, counter: CountingJetStream) -> None:
            while await relay.publish_pending(cast(JetStreamContext, counter)):
                pass

        await asyncio.gather(*(drain(r, c) for r, c in zip(relays, counters, strict=True)))
        await wait_until(lambda: _none_pending(relays[1]), what="every row published")

        attempted = counters[0].published + counters[1].published
        assert sorted(attempted) == sorted(ids)  # the relays never published a row twice
        assert counters[0].published, "both relays did some of the work"
        assert counters[1].published, "both relays did some of the work"
        assert sorted(await published_ids(js, subject)) == sorted(ids)
    finally:
        await database.dispose()


async def test_purge_keeps_pending_rows(database: Database, outbox: Outbox, broker: Broker) -> None:
    subject = unique_subject("directory")
    await emit(database, outbox, subject, n=2)
    relay = OutboxRelay(database, outbox, broker, streams=[STREAM], retention=timedelta(0))
    await relay._prepare()
    await relay.publish_pending(await broker.connected())
    await emit(database, outbox, subject)

    await relay.purge_published()

    rows = await outbox_rows(database, outbox)
    assert [(row.published_at, row.type) for row in rows] == [(None, subject)]
