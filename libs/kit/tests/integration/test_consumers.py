"""The consumer runner against real databases and a real JetStream."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import nats
import pytest
import sqlalchemy as sa
from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg
from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncSession

from kit.broker import Broker, ensure_streams
from kit.cloudevents import CloudEvent
from kit.consumers import ConsumerRunner, Handler, Inbox, Subscription
from kit.db import Database
from kit.logs import request_id_var
from kit.testing.jetstream import stream_messages
from kit.testing.nats import NatsServer
from kit.testing.polling import wait_until

from .conftest import unique_subject

STREAM = "EVENTS"


@dataclass
class Projection:
    """A consumer's tables: the inbox and what its handler writes."""

    database: Database
    inbox: Inbox
    effects: sa.Table
    parents: sa.Table
    seen: list[str] = field(default_factory=list)  # event ids, one per handler call

    async def applied(self) -> list[str]:
        async with self.database.transaction(write=False) as session:
            rows = await session.execute(sa.select(self.effects.c.event_id))
            return list(rows.scalars())

    async def inbox_ids(self) -> list[str]:
        async with self.database.transaction(write=False) as session:
            rows = await session.execute(sa.select(self.inbox.table.c.event_id))
            return list(rows.scalars())

    async def record(self, session: AsyncSession, event: CloudEvent) -> None:
        self.seen.append(event.id)
        await session.execute(sa.insert(self.effects).values(event_id=event.id))


@pytest.fixture
async def projection(database: Database) -> Projection:
    metadata = sa.MetaData()
    inbox = Inbox(metadata)
    parents = sa.Table("parents", metadata, sa.Column("id", sa.Integer, primary_key=True))
    effects = sa.Table(
        "effects",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False),
        # Checked at COMMIT, so a handler can make the commit itself fail.
        sa.Column(
            "parent_id",
            sa.Integer,
            sa.ForeignKey("parents.id", deferrable=True, initially="DEFERRED"),
        ),
    )
    async with database.engine.begin() as connection:
        await connection.run_sync(metadata.create_all)
    return Projection(database, inbox, effects, parents)


def durable_name() -> str:
    return f"kittest_{uuid.uuid4().hex[:10]}"


@contextlib.asynccontextmanager
async def consuming(
    projection: Projection,
    broker: Broker,
    subjects: tuple[str, ...],
    handler: Handler | None = None,
    *,
    max_deliver: int = 3,
) -> AsyncIterator[ConsumerRunner]:
    subscription = Subscription(
        durable=durable_name(),
        stream=STREAM,
        subjects=subjects,
        handler=handler or projection.record,
    )
    runner = ConsumerRunner(
        projection.database,
        projection.inbox,
        broker,
        subscription,
        max_deliver=max_deliver,
        ack_wait_seconds=10,
        fetch_timeout=0.5,
    )
    task = asyncio.create_task(runner.run())
    js = await broker.connected()
    await wait_until(lambda: _consumer_exists(js, subscription.durable), what="consumer bound")
    try:
        yield runner
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        with contextlib.suppress(Exception):  # leave the shared server as we found it
            await js.delete_consumer(STREAM, subscription.durable)


async def _consumer_exists(js: JetStreamContext, durable: str) -> bool:
    try:
        await js.consumer_info(STREAM, durable)
    except Exception:
        return False
    return True


async def publish(js: JetStreamContext, event: CloudEvent, msg_id: str | None = None) -> None:
    await js.publish(event.type, event.to_json(), headers={"Nats-Msg-Id": msg_id or event.id})


async def test_claim_records_an_event_once_per_consumer(projection: Projection) -> None:
    engine = projection.database.engine
    # Bound per table rather than as a whole: ``session.bind`` is None, the dialect is not.
    async with AsyncSession(binds={projection.inbox.table: engine}) as session:
        assert await projection.inbox.claim(session, consumer="a", event_id="e1")
        assert not await projection.inbox.claim(session, consumer="a", event_id="e1")
        assert await projection.inbox.claim(session, consumer="b", event_id="e1")
        await session.commit()
    async with projection.database.transaction() as session:
        assert not await projection.inbox.claim(session, consumer="a", event_id="e1")
        assert await projection.inbox.claim(session, consumer="a", event_id="e2")
    assert sorted(await projection.inbox_ids()) == ["e1", "e1", "e2"]


@pytest.fixture
async def js(broker: Broker) -> JetStreamContext:
    js = await broker.connected()
    await ensure_streams(js, [STREAM, "DEADLETTER"])
    return js


async def test_an_event_delivered_twice_is_applied_once(
    projection: Projection, broker: Broker, js: JetStreamContext
) -> None:
    subject = unique_subject("events")
    event = CloudEvent(source="/kit-test", type=subject, data={"n": 1})
    async with consuming(projection, broker, (subject,)) as runner:
        # Two stream messages carrying the same event (a producer that re-sent it after the
        # broker's duplicate window): only the inbox can stop the second one.
        await publish(js, event, msg_id=f"{event.id}-a")
        await publish(js, event, msg_id=f"{event.id}-b")
        await wait_until(lambda: _handled(runner, 2), what="both messages acked")
    assert projection.seen == [event.id]
    assert await projection.applied() == [event.id]
    assert await projection.inbox_ids() == [event.id]


async def _handled(runner: ConsumerRunner, n: int) -> bool:
    return runner.handled >= n


async def test_the_request_id_of_the_event_reaches_the_handler(
    projection: Projection, broker: Broker, js: JetStreamContext
) -> None:
    subject = unique_subject("events")
    traced = CloudEvent(source="/kit-test", type=subject)
    setattr(traced, "requestid", "req-from-producer")  # noqa: B010 - CloudEvents extension
    untraced = CloudEvent(source="/kit-test", type=subject)
    seen: dict[str, str | None] = {}

    async def handler(session: AsyncSession, event: CloudEvent) -> None:
        seen[event.id] = request_id_var.get()

    async with consuming(projection, broker, (subject,), handler) as runner:
        await publish(js, traced)
        await publish(js, untraced)
        await wait_until(lambda: _handled(runner, 2), what="both handled")
    assert seen == {traced.id: "req-from-producer", untraced.id: None}
    assert request_id_var.get() is None


async def test_only_the_subscribed_subjects_are_consumed(
    projection: Projection, broker: Broker, js: JetStreamContext
) -> None:
    created, deleted, other = (unique_subject("events", w) for w in ("a.created", "a.deleted", "b"))
    events = [CloudEvent(source="/kit-test", type=s) for s in (created, other, deleted)]
    async with consuming(projection, broker, (created, deleted)) as runner:
        for event in events:
            await publish(js, event)
        await wait_until(lambda: _handled(runner, 2), what="two events handled")
        info = await js.consumer_info(STREAM, runner.subscription.durable)
    assert sorted(await projection.applied()) == sorted([events[0].id, events[2].id])
    assert info.num_pending == 0
    assert info.num_ack_pending == 0


async def test_a_failing_event_is_redelivered_then_applied(
    projection: Projection, broker: Broker, js: JetStreamContext
) -> None:
    subject = unique_subject("events")
    event = CloudEvent(source="/kit-test", type=subject)

    async def flaky(session: AsyncSession, event: CloudEvent) -> None:
        await projection.record(session, event)  # written, then rolled back the first time
        if len(projection.seen) == 1:
            raise RuntimeError("downstream hiccup")

    async with consuming(projection, broker, (subject,), flaky) as runner:
        await publish(js, event)
        await wait_until(lambda: _handled(runner, 1), within=15, what="applied on redelivery")
    assert projection.seen == [event.id, event.id]
    assert await projection.applied() == [event.id]


async def test_an_event_failing_max_deliver_times_is_dead_lettered_and_acked(
    projection: Projection, broker: Broker, js: JetStreamContext
) -> None:
    subject = unique_subject("events")
    event = CloudEvent(source="/kit-test", type=subject, data={"poison": True})

    async def broken(session: AsyncSession, event: CloudEvent) -> None:
        await projection.record(session, event)
        raise ValueError("cannot apply this")

    async with consuming(projection, broker, (subject,), broken, max_deliver=3) as runner:
        await publish(js, event)
        dead = await wait_until(
            lambda: stream_messages(js, "DEADLETTER", runner.dead_letter_subject),
            within=20,
            what="event on the dead-letter subject",
        )
        durable = runner.subscription.durable
        await wait_until(lambda: _all_acked(js, durable), what="dead letter acked")
    assert runner.dead_letter_subject == f"deadletter.{durable}"
    assert len(dead) == 1
    assert CloudEvent.from_json(dead[0].data or b"") == event
    assert dead[0].headers is not None
    assert dead[0].headers["Maillage-Original-Subject"] == subject
    assert "ValueError: cannot apply this" in dead[0].headers["Maillage-Error"]
    assert projection.seen == [event.id] * 3
    assert await projection.applied() == []
    assert await projection.inbox_ids() == []


async def _all_acked(js: JetStreamContext, durable: str) -> bool:
    info = await js.consumer_info(STREAM, durable)
    return bool(info.num_ack_pending == 0 and info.num_pending == 0)


async def test_a_dead_letter_is_kept_until_it_can_be_stored(
    projection: Projection, own_nats: NatsServer
) -> None:
    # The last delivery JetStream makes must not be nak'ed into a redelivery that never comes
    # when the dead-letter stream cannot take the event: here the stream is missing.
    subject = unique_subject("events")
    event = CloudEvent(source="/kit-test", type=subject)

    async def broken(session: AsyncSession, event: CloudEvent) -> None:
        await projection.record(session, event)
        raise ValueError("cannot apply this")

    broker = Broker(own_nats.url, name="kit-test-deadletter")
    broker.start()
    try:
        js = await broker.connected()
        async with consuming(projection, broker, (subject,), broken, max_deliver=2) as runner:
            await js.delete_stream("DEADLETTER")
            await publish(js, event)
            dead = await wait_until(
                lambda: _dead_letters(js, runner), within=30, what="event dead-lettered"
            )
            await wait_until(lambda: _all_acked(js, runner.subscription.durable), what="acked")
        assert [CloudEvent.from_json(m.data or b"").id for m in dead] == [event.id]
        assert projection.seen == [event.id] * 2
    finally:
        await broker.close()


async def _dead_letters(js: JetStreamContext, runner: ConsumerRunner) -> list[RawStreamMsg]:
    try:
        return await stream_messages(js, "DEADLETTER", runner.dead_letter_subject)
    except NotFoundError:
        return []


async def test_an_unreadable_envelope_is_dead_lettered_at_once(
    projection: Projection, broker: Broker, js: JetStreamContext
) -> None:
    subject = unique_subject("events")
    async with consuming(projection, broker, (subject,)) as runner:
        await js.publish(subject, b"this is not a CloudEvent")
        dead = await wait_until(
            lambda: stream_messages(js, "DEADLETTER", runner.dead_letter_subject),
            what="garbage dead-lettered",
        )
        await wait_until(lambda: _all_acked(js, runner.subscription.durable), what="acked")
    assert dead[0].data == b"this is not a CloudEvent"
    assert projection.seen == []


async def test_acked_only_after_the_commit_succeeds(
    projection: Projection, broker: Broker, js: JetStreamContext
) -> None:
    subject = unique_subject("events")
    event = CloudEvent(source="/kit-test", type=subject)

    async def commit_fails_first(session: AsyncSession, event: CloudEvent) -> None:
        projection.seen.append(event.id)
        if len(projection.seen) > 1:
            await session.execute(sa.insert(projection.parents).values(id=7))
        # Without parent 7 this row breaks the deferred foreign key at COMMIT, after the
        # handler returned: an ack sent before the commit would lose the event.
        await session.execute(sa.insert(projection.effects).values(event_id=event.id, parent_id=7))

    async with consuming(projection, broker, (subject,), commit_fails_first) as runner:
        await publish(js, event)
        await wait_until(lambda: _handled(runner, 1), within=15, what="applied on redelivery")
    assert projection.seen == [event.id, event.id]
    assert await projection.applied() == [event.id]


async def test_keeps_consuming_after_the_nats_server_restarts(
    projection: Projection, own_nats: NatsServer
) -> None:
    subject = unique_subject("events")
    broker = Broker(own_nats.url, name="kit-test-consumer-restart")
    broker.start()
    try:
        js = await broker.connected()
        await ensure_streams(js, [STREAM, "DEADLETTER"])
        before, after = (CloudEvent(source="/kit-test", type=subject) for _ in range(2))
        async with consuming(projection, broker, (subject,)) as runner:
            await publish(js, before)
            await wait_until(lambda: _handled(runner, 1), what="handled before the restart")

            own_nats.stop()
            await wait_until(lambda: _disconnected(broker), what="client saw the server go")
            own_nats.start()

            publisher = await nats.connect(own_nats.url)
            try:
                await publish(publisher.jetstream(), after)
            finally:
                await publisher.close()
            await wait_until(
                lambda: _handled(runner, 2), within=30, what="handled after the restart"
            )
        assert await projection.applied() == [before.id, after.id]
    finally:
        await broker.close()


async def _disconnected(broker: Broker) -> bool:
    return not broker.is_connected


async def test_a_stopped_runner_lets_the_connection_close_promptly(
    projection: Projection, nats_server: NatsServer
) -> None:
    # A redelivery arrives on a pull request the runner no longer reads; it must not keep
    # the process's shutdown (the connection's drain) waiting.
    subject = unique_subject("events")
    broker = Broker(nats_server.url, name="kit-test-close")
    broker.start()
    try:

        async def flaky(session: AsyncSession, event: CloudEvent) -> None:
            await projection.record(session, event)
            if len(projection.seen) == 1:
                raise RuntimeError("downstream hiccup")

        js = await broker.connected()
        async with consuming(projection, broker, (subject,), flaky) as runner:
            await publish(js, CloudEvent(source="/kit-test", type=subject))
            await wait_until(lambda: _handled(runner, 1), within=15, what="applied")
    finally:
        started = time.monotonic()
        await broker.close()
    assert time.monotonic() - started < 2.0
