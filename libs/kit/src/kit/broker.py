"""The NATS JetStream connection every process holds.

Connecting never blocks start-up: the connection is made (and re-made, forever) in the
background, and whoever needs it awaits :meth:`Broker.connected`. Streams are created
idempotently once connected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Mapping, Sequence

import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

logger = logging.getLogger(__name__)

#: One stream per producing service, plus the dead-letter stream.
STREAMS: Mapping[str, Sequence[str]] = {
    "DIRECTORY": ["directory.>"],
    "EVENTS": ["events.>"],
    "SURVEYS": ["surveys.>"],
    "EUWATCH": ["eu_watch.>"],
    "GATEWAY": ["gateway.>"],
    "DEADLETTER": ["deadletter.>"],
}
DUPLICATE_WINDOW_SECONDS = 300.0


class Broker:
    """A NATS connection that reconnects forever, with its JetStream context."""

    def __init__(self, url: str, *, name: str) -> None:
        self.url = url
        self.name = name
        self.client = NatsClient()
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin connecting in the background."""
        self._task = asyncio.create_task(self._connect(), name=f"nats-connect-{self.name}")

    async def _connect(self) -> None:
        async def on_error(exc: Exception) -> None:
            logger.warning("nats: %s", exc or type(exc).__name__)

        async def on_disconnect() -> None:
            logger.warning("nats: disconnected from %s", self.url)

        async def on_reconnect() -> None:
            logger.info("nats: reconnected to %s", self.url)

        await self.client.connect(
            self.url,
            name=self.name,
            max_reconnect_attempts=-1,
            reconnect_time_wait=1,
            connect_timeout=2,
            ping_interval=5,
            max_outstanding_pings=3,
            error_cb=on_error,
            disconnected_cb=on_disconnect,
            reconnected_cb=on_reconnect,
        )
        logger.info("nats: connected to %s", self.url)
        self._connected.set()

    async def connected(self) -> JetStreamContext:
        """Wait for the first connection and return the JetStream context."""
        await self._connected.wait()
        return self.client.jetstream(timeout=5)

    @property
    def is_connected(self) -> bool:
        return self.client.is_connected

    async def answers(self, *, timeout_seconds: float) -> str:
        """``ok`` when the server answers a PING within ``timeout_seconds``, else why not.

        A connection object says nothing of a frozen server (a stopped process, a full
        disk, a network that drops packets): its socket stays open for up to three missed
        pings (15 s). Readiness asks the server itself."""
        if not self.client.is_connected:
            return "error: not connected"
        try:
            async with asyncio.timeout(timeout_seconds):
                await self.client.flush(timeout=max(1, math.ceil(timeout_seconds)))
        except (TimeoutError, nats.errors.Error) as exc:
            return f"error: no answer within {timeout_seconds:g}s ({type(exc).__name__})"
        return "ok"

    async def close(self) -> None:
        if self._task and not self._task.done():
            self._task.cancel()
            # Let the connect attempt unwind before closing, or a socket it is opening
            # outlives the client.
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.client.is_connected:
            try:
                async with asyncio.timeout(5):
                    await self.client.drain()
            except (TimeoutError, nats.errors.Error) as exc:  # pragma: no cover - shutdown
                logger.warning("nats: drain failed: %s", exc)
        if not self.client.is_closed:
            await self.client.close()


async def ensure_stream(js: JetStreamContext, name: str, subjects: Sequence[str]) -> None:
    """Create stream ``name`` for ``subjects`` if absent; widen its subjects if needed."""
    try:
        info = await js.stream_info(name)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=name,
                subjects=list(subjects),
                storage=StorageType.FILE,
                duplicate_window=DUPLICATE_WINDOW_SECONDS,
            )
        )
        logger.info("nats: created stream %s for %s", name, ", ".join(subjects))
        return
    current = set(info.config.subjects or [])
    if not set(subjects) <= current:
        config = info.config
        config.subjects = sorted(current | set(subjects))
        await js.update_stream(config)


async def ensure_streams(js: JetStreamContext, names: Sequence[str]) -> None:
    """Ensure each stream named in :data:`STREAMS`."""
    for name in names:
        await ensure_stream(js, name, STREAMS[name])
