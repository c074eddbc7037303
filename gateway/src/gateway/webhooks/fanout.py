"""The worker's side of NATS, shaped for throughput.

:class:`FanOutRunner` applies each batch JetStream hands over in one transaction (inbox rows
and delivery rows, a statement each), where kit's runner spends a transaction per event; a batch
that fails is applied again one event at a time by kit's own logic (retries, dead letters).
(The process's SQLite writers take turns in :class:`kit.db.Database` itself.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.webhooks.delivery import fan_out_many
from kit.broker import Broker
from kit.cloudevents import CloudEvent
from kit.consumers import ConsumerRunner, Inbox, Subscription
from kit.db import Database

logger = logging.getLogger(__name__)


async def claim_many(
    session: AsyncSession, inbox: Inbox, *, consumer: str, event_ids: list[str]
) -> set[str]:
    """:meth:`kit.consumers.Inbox.claim` for several events in one statement: the ids that
    were not recorded yet (now recorded)."""
    table = inbox.table
    dialect = session.get_bind(clause=table).dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    now = datetime.now(UTC)
    rows = [{"consumer": consumer, "event_id": i, "handled_at": now} for i in set(event_ids)]
    query = insert.values(rows).on_conflict_do_nothing().returning(table.c.event_id)
    return {str(i) for i in (await session.execute(query)).scalars()}


class FanOutRunner(ConsumerRunner):
    """A consumer applying each fetched batch of events in one transaction, then acking
    them; ``on_commit`` is called after each batch that committed."""

    def __init__(
        self,
        database: Database,
        inbox: Inbox,
        broker: Broker,
        subscription: Subscription,
        *,
        on_commit: Callable[[], None],
        batch: int = 256,
    ) -> None:
        super().__init__(database, inbox, broker, subscription, batch=batch)
        self.on_commit = on_commit

    async def handle_batch(self, js: JetStreamContext, messages: list[Msg]) -> None:
        durable = self.subscription.durable
        readable: list[tuple[Msg, CloudEvent]] = []
        for message in messages:
            try:
                readable.append((message, CloudEvent.from_json(message.data)))
            except ValidationError:
                await self.handle(js, message)  # dead-lettered there
        if not readable:
            return
        try:
            async with self.database.transaction() as session:
                new_ids = await claim_many(
                    session, self.inbox, consumer=durable, event_ids=[e.id for _, e in readable]
                )
                fresh = list({e.id: e for _, e in readable if e.id in new_ids}.values())
                await fan_out_many(session, fresh)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.warning("consumer %s: a batch failed (%s); one by one", durable, exc)
            for message, _ in readable:
                await self.handle(js, message)
            return
        self.on_commit()
        for message, _ in readable:
            await message.ack()
        self.handled += len(readable)
