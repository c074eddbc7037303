"""``maillage-gateway worker``: partner webhooks out.

Durable consumers on every producing stream turn domain events into delivery rows (once,
through the inbox); a :class:`~gateway.webhooks.delivery.Deliverer` posts them; an outbox
relay publishes what the gateway itself tells (an endpoint disabled) on the GATEWAY stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from gateway.config import Settings
from gateway.encryption import Keyring, use_keyring
from gateway.partners.forwarding import partner_forwarder
from gateway.webhooks.delivery import Clock, Deliverer, webhook_deliverer
from gateway.webhooks.fanout import FanOutRunner
from gateway.webhooks.models import inbox, outbox
from kit.broker import STREAMS, Broker
from kit.consumers import Handler, Subscription
from kit.db import Database
from kit.models import utcnow
from kit.outbox import OutboxRelay

#: Streams whose events go out by webhook; the gateway's own (an endpoint disabled) reach
#: the endpoint owner's other endpoints.
WEBHOOK_STREAMS = ("DIRECTORY", "EVENTS", "SURVEYS", "EUWATCH", "GATEWAY")


def subscriptions(handler: Handler) -> list[Subscription]:
    return [
        Subscription(
            durable=f"gateway-webhooks-{stream.lower()}",
            stream=stream,
            subjects=tuple(STREAMS[stream]),
            handler=handler,
        )
        for stream in WEBHOOK_STREAMS
    ]


@contextlib.asynccontextmanager
async def webhook_worker(settings: Settings, *, clock: Clock = utcnow) -> AsyncIterator[Deliverer]:
    """Run the consumers, the deliverer and the outbox relay until the block exits."""
    database = Database(settings.database_url)
    use_keyring(database.engine, Keyring.from_settings(settings))
    broker = Broker(settings.common.nats_url, name="gateway-worker")
    deliverer = webhook_deliverer(settings, database, clock=clock)
    relay = OutboxRelay(database, outbox, broker, streams=["GATEWAY"])
    database.on_outbox_commit(relay.wake)
    broker.start()
    tasks = [
        asyncio.create_task(
            FanOutRunner(database, inbox, broker, sub, on_commit=deliverer.wake).run()
        )
        for sub in subscriptions(deliverer.fan_out)
    ]
    tasks.append(asyncio.create_task(deliverer.run(), name="webhook-deliverer"))
    # Partner pushes kept by the inbox, handed to the services that own them.
    forwarder = partner_forwarder(settings, database)
    tasks.append(asyncio.create_task(forwarder.run(), name="partner-forwarder"))
    tasks.append(asyncio.create_task(relay.run(), name="gateway-outbox-relay"))
    try:
        yield deliverer
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await broker.close()
        await database.dispose()


async def run_worker(settings: Settings) -> None:
    """The ``worker`` command: run until cancelled."""
    async with webhook_worker(settings):
        await asyncio.Event().wait()
