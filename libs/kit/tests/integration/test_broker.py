"""The broker connection and streams: started before NATS, streams made idempotently,
and recovery when the broker comes back without its store."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from pathlib import Path

import nats
import sqlalchemy as sa
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession

from kit.broker import STREAMS, Broker, ensure_stream, ensure_streams
from kit.cloudevents import CloudEvent
from kit.consumers import ConsumerRunner, Inbox, Subscription
from kit.db import Database
from kit.outbox import Outbox, OutboxRelay
from kit.testing.jetstream import stream_messages
from kit.testing.nats import NatsServer, free_port
from kit.testing.polling import wait_until

from .conftest import unique_subject


async def test_a_broker_started_before_nats_connects_once_it_is_up(tmp_path: Path) -> None:
    server = NatsServer(tmp_path / "nats", port=free_port())
    broker = Broker(server.url, name="kit-test-early")
    broker.start()  # nothing listens yet: start-up must not fail or block
    try:
        await asyncio.sleep(0)
        assert not broker.is_connected
        server.start()
        js = await asyncio.wait_for(broker.connected(), timeout=15)
        await ensure_streams(js, ["EVENTS"])
        assert broker.is_connected
    finally:
        await broker.close()
        server.stop()


async def test_streams_are_created_once_and_widened(nats_server: NatsServer) -> None:
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        await ensure_streams(js, list(STREAMS))
        await ensure_streams(js, list(STREAMS))  # idempotent
        for name, subjects in STREAMS.items():
            info = await js.stream_info(name)
            assert set(subjects) <= set(info.config.subjects or [])
            assert (info.config.duplicate_window or 0) > 0

        name = f"KITTEST{free_port()}"
        await ensure_stream(js, name, [f"{name.lower()}.a.>"])
        await ensure_stream(js, name, [f"{name.lower()}.b.>"])
        info = await js.stream_info(name)
        assert sorted(info.config.subjects or []) == [f"{name.lower()}.a.>", f"{name.lower()}.b.>"]
        await js.delete_stream(name)
    finally:
        await client.close()


async def test_a_duplicate_msg_id_is_stored_once(nats_server: NatsServer) -> None:
    client = await nats.connect(nats_server.url)
    try:
        js = client.jetstream()
        await ensure_streams(js, ["DIRECTORY"])
        subject = unique_subject("directory")
        for _ in range(2):
            await js.publish(subject, b"{}", headers={"Nats-Msg-Id": f"id-{subject}"})
        assert len(await stream_messages(js, "DIRECTORY", subject)) == 1
    finally:
        await client.close()


def wipe_and_restart(server: NatsServer) -> None:
    """The broker comes back empty: its store was lost (ephemeral volume, cleaned var/)."""
    server.stop()
    for path in server.store_dir.iterdir():
        if path.is_dir():
            shutil.rmtree(path)
    server.start()


async def test_relay_recreates_its_stream_when_the_broker_lost_it(
    database: Database, own_nats: NatsServer
) -> None:
    metadata = sa.MetaData()
    outbox = Outbox(metadata, source="/kit-test")
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    subject = unique_subject("directory")
    broker = Broker(own_nats.url, name="kit-test-wipe")
    broker.start()
    relay = OutboxRelay(database, outbox, broker, streams=["DIRECTORY"], poll_seconds=0.2)
    database.on_outbox_commit(relay.wake)
    task = asyncio.create_task(relay.run())
    try:
        js = await broker.connected()
        await wait_until(lambda: _has_stream(js, "DIRECTORY"), what="stream made")
        wipe_and_restart(own_nats)
        async with database.transaction() as session:
            event = await outbox.emit(session, type=subject, subject=None, data={})
        await wait_until(lambda: _pending_is_zero(relay), within=30, what="published again")
        messages = await stream_messages(js, "DIRECTORY", subject)
        assert [m.headers["Nats-Msg-Id"] for m in messages if m.headers] == [event.id]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await broker.close()


async def _pending_is_zero(relay: OutboxRelay) -> bool:
    return await relay.pending_count() == 0


async def _has_stream(js: JetStreamContext, name: str) -> bool:
    try:
        await js.stream_info(name)
    except Exception:
        return False
    return True


async def test_runner_recreates_its_consumer_when_the_broker_lost_it(
    database: Database, own_nats: NatsServer
) -> None:
    metadata = sa.MetaData()
    inbox = Inbox(metadata)
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    subject = unique_subject("events")
    seen: list[str] = []

    async def handler(session: AsyncSession, event: CloudEvent) -> None:
        seen.append(event.id)

    broker = Broker(own_nats.url, name="kit-test-wipe-consumer")
    broker.start()
    runner = ConsumerRunner(
        database,
        inbox,
        broker,
        Subscription(
            durable="kittest_wiped", stream="EVENTS", subjects=(subject,), handler=handler
        ),
        fetch_timeout=0.5,
    )
    task = asyncio.create_task(runner.run())
    try:
        js = await broker.connected()
        await wait_until(lambda: _has_stream(js, "EVENTS"), what="stream made")
        wipe_and_restart(own_nats)
        event = CloudEvent(source="/kit-test", type=subject)

        async def publish_when_possible() -> bool:
            if not await _has_stream(js, "EVENTS"):
                return False
            await js.publish(subject, event.to_json(), headers={"Nats-Msg-Id": event.id})
            return True

        await wait_until(publish_when_possible, within=30, what="stream recreated")
        await wait_until(lambda: _seen(seen, event.id), within=30, what="consumed again")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await broker.close()


async def _seen(seen: list[str], event_id: str) -> bool:
    return event_id in seen
