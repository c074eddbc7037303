"""A consumer stops when told to, even when the message and the cancellation arrive together.

nats-py's ``fetch`` waits with ``asyncio.wait_for``, which on Python 3.11 hands back the
message and drops the cancellation; the runner must notice and stop anyway. The pull
subscription here is a stand-in that waits exactly as nats-py does."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from nats.aio.msg import Msg
from nats.js import JetStreamContext

from kit.broker import Broker
from kit.consumers import ConsumerRunner, Inbox, Subscription
from kit.db import Database


class NatsLikePull:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[Msg] = asyncio.Queue()
        self.fetching = asyncio.Event()

    async def fetch(self, batch: int, timeout: float) -> list[Msg]:  # noqa: ASYNC109 (nats-py's signature)
        self.fetching.set()
        return [await asyncio.wait_for(self.queue.get(), timeout)]

    async def unsubscribe(self) -> None:
        return None


class RecordingRunner(ConsumerRunner):
    def __init__(self, pull: NatsLikePull) -> None:
        broker = cast(Broker, _ConnectedBroker())
        subscription = Subscription(
            stream="EVENTS", subjects=("events.>",), durable="test", handler=_never_called
        )
        super().__init__(cast(Database, None), cast(Inbox, None), broker, subscription)
        self.pull = pull
        self.batches = 0

    async def _bind(self, js: JetStreamContext) -> Any:
        return self.pull

    async def handle_batch(self, js: JetStreamContext, messages: list[Msg]) -> None:
        self.batches += 1


class _ConnectedBroker:
    async def connected(self) -> JetStreamContext:
        return cast(JetStreamContext, None)


async def _never_called(*_: Any) -> None:
    raise AssertionError("the handler is not called here")


async def test_a_runner_cancelled_as_a_message_arrives_stops() -> None:
    for _ in range(20):
        pull = NatsLikePull()
        runner = RecordingRunner(pull)
        task = asyncio.create_task(runner.run())
        await pull.fetching.wait()
        pull.queue.put_nowait(cast(Msg, object()))
        await asyncio.sleep(0)  # the queue's waiter completes
        task.cancel()
        done, _ = await asyncio.wait([task], timeout=1)
        assert done, "the runner swallowed its cancellation and went on pulling"
        assert task.cancelled()
        assert runner.batches == 0  # the message is left unacked, to come again
