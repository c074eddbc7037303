"""Idempotent JetStream consumers.

A service declares :class:`Subscription` objects; :class:`ConsumerRunner` binds each to a
durable pull consumer and, for every message, records the event id in the service's ``inbox``
table in the same transaction as the handler's effect, commits, and only then acks. An event
already in the inbox is acked without effect; a failing one is redelivered with backoff and,
after ``max_deliver`` attempts, copied to ``deadletter.<durable>`` and acked. The loop
survives NATS restarts: the client reconnects forever and the runner keeps pulling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kit.broker import Broker, ensure_streams
from kit.cloudevents import CloudEvent
from kit.db import Database
from kit.logs import request_id_var
from kit.sqltypes import UtcDateTime
from kit.wakeup import raise_if_cancelled

logger = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, CloudEvent], Awaitable[None]]


def inbox_table(metadata: sa.MetaData) -> sa.Table:
    """Define the ``inbox`` table (handled event ids per consumer) on a service's metadata."""
    return sa.Table(
        "inbox",
        metadata,
        sa.Column("consumer", sa.String(120), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("handled_at", UtcDateTime(), nullable=False),
    )


class Inbox:
    """The inbox of one service: which events each of its consumers already applied."""

    def __init__(self, metadata: sa.MetaData) -> None:
        self.table = inbox_table(metadata)

    async def claim(self, session: AsyncSession, *, consumer: str, event_id: str) -> bool:
        """Record ``event_id`` for ``consumer``; False if it was already recorded."""
        values = {"consumer": consumer, "event_id": event_id, "handled_at": datetime.now(UTC)}
        # Not session.bind: None for a session bound per table, and then the wrong dialect.
        dialect = session.get_bind(clause=self.table).dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(self.table)
        result = await session.execute(insert.values(**values).on_conflict_do_nothing())
        return bool(getattr(result, "rowcount", 0) == 1)


@dataclass(frozen=True)
class Subscription:
    """What a service consumes: a durable consumer on a stream, filtered by subjects."""

    durable: str
    stream: str
    subjects: tuple[str, ...]
    handler: Handler = field(compare=False)


class ConsumerRunner:
    """Pulls one subscription forever and applies each event exactly once."""

    def __init__(
        self,
        database: Database,
        inbox: Inbox,
        broker: Broker,
        subscription: Subscription,
        *,
        max_deliver: int = 5,
        ack_wait_seconds: float = 30.0,
        batch: int = 64,
        fetch_timeout: float = 2.0,
    ) -> None:
        self.database = database
        self.inbox = inbox
        self.broker = broker
        self.subscription = subscription
        self.max_deliver = max_deliver
        self.ack_wait_seconds = ack_wait_seconds
        self.batch = batch
        self.fetch_timeout = fetch_timeout
        self.handled = 0

    @property
    def dead_letter_subject(self) -> str:
        return f"deadletter.{self.subscription.durable}"

    async def run(self) -> None:
        """Bind the durable consumer and pull until cancelled, re-binding after failures."""
        js = await self.broker.connected()
        delay = 0.2
        while True:
            pull: JetStreamContext.PullSubscription | None = None
            try:
                pull = await self._bind(js)
                delay = 0.2
                while True:
                    try:
                        messages = await pull.fetch(self.batch, timeout=self.fetch_timeout)
                    except TimeoutError:
                        continue
                    finally:
                        # Unacked, the messages come again once this runner is back.
                        raise_if_cancelled()
                    await self.handle_batch(js, messages)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning(
                    "consumer %s: %s; pulling again in %.1fs",
                    self.subscription.durable,
                    exc or type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                if pull is not None:
                    await _unsubscribe(pull)

    async def handle_batch(self, js: JetStreamContext, messages: list[Msg]) -> None:
        """Apply one fetched batch; by default each event in its own transaction. A runner
        that can apply a whole batch at once overrides this (and falls back on
        :meth:`handle` for the events it cannot)."""
        for message in messages:
            await self.handle(js, message)

    async def _bind(self, js: JetStreamContext) -> JetStreamContext.PullSubscription:
        sub = self.subscription
        await ensure_streams(js, [sub.stream, "DEADLETTER"])
        subjects = list(sub.subjects)
        config = ConsumerConfig(
            durable_name=sub.durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait_seconds,
            max_deliver=self.max_deliver,
            max_ack_pending=1000,
            filter_subject=subjects[0] if len(subjects) == 1 else None,
            filter_subjects=subjects if len(subjects) > 1 else None,
        )
        await js.add_consumer(sub.stream, config)
        return await js.pull_subscribe_bind(durable=sub.durable, stream=sub.stream)

    async def handle(self, js: JetStreamContext, message: Msg) -> None:
        """Apply one event in its own transaction (once per consumer), or dead-letter it."""
        durable = self.subscription.durable
        try:
            event = CloudEvent.from_json(message.data)
        except ValidationError as exc:
            logger.error("consumer %s: unreadable event, dead-lettered: %s", durable, exc)
            await self._dead_letter(js, message, f"unreadable envelope: {exc}")
            return
        # The request that caused the event goes on: into the handler's logs and the events
        # it emits in turn.
        request_id = (event.model_extra or {}).get("requestid")
        token = request_id_var.set(str(request_id) if request_id else None)
        try:
            await self._apply(js, message, event)
        finally:
            request_id_var.reset(token)

    async def _apply(self, js: JetStreamContext, message: Msg, event: CloudEvent) -> None:
        durable = self.subscription.durable
        try:
            async with self.database.transaction() as session:
                if await self.inbox.claim(session, consumer=durable, event_id=event.id):
                    await self.subscription.handler(session, event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            delivered = message.metadata.num_delivered or 1
            if delivered >= self.max_deliver:
                logger.exception(
                    "consumer %s: event %s failed %d times, dead-lettered",
                    durable,
                    event.id,
                    delivered,
                )
                await self._dead_letter(js, message, f"{type(exc).__name__}: {exc}")
            else:
                logger.warning(
                    "consumer %s: event %s failed (attempt %d): %s",
                    durable,
                    event.id,
                    delivered,
                    exc,
                )
                await message.nak(delay=min(0.5 * 2**delivered, 30.0))
            return
        await message.ack()
        self.handled += 1

    async def _dead_letter(self, js: JetStreamContext, message: Msg, reason: str) -> None:
        """Copy ``message`` to the dead-letter subject, then ack it.

        This is often the last delivery JetStream makes (``max_deliver``): a nak would never
        be redelivered, so a failed publish is retried here, holding the message, until the
        dead letter is stored (the stream is ensured again in case the broker lost it).
        """
        durable = self.subscription.durable
        headers = {
            # Retries of a publish that was in fact stored are dropped as duplicates.
            "Nats-Msg-Id": f"{durable}:{message.metadata.sequence.stream}",
            "Maillage-Original-Subject": message.subject,
            "Maillage-Error": reason[:1000].replace("\n", " "),
        }
        delay = 0.5
        while True:
            try:
                await js.publish(self.dead_letter_subject, message.data, headers=headers)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning(
                    "consumer %s: dead-letter publish failed (%s); retrying in %.1fs",
                    durable,
                    exc or type(exc).__name__,
                    delay,
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
            with contextlib.suppress(Exception):
                await message.in_progress()  # still being handled: no redelivery meanwhile
            with contextlib.suppress(Exception):
                await ensure_streams(js, ["DEADLETTER"])
        await message.ack()


async def _unsubscribe(pull: JetStreamContext.PullSubscription) -> None:
    # Messages a pull request brought in after the last fetch sit unprocessed in the
    # subscription's queue; left subscribed, ``Broker.close`` would wait on them in drain
    # until it times out. Unacked, they are redelivered after ack_wait.
    with contextlib.suppress(Exception):
        await pull.unsubscribe()
