"""Feeding a service's projection in tests: publish another service's record events on a real
JetStream as their producer would, and wait until the projection holds them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import nats
from nats.js import JetStreamContext

from kit.broker import ensure_streams
from kit.cloudevents import CloudEvent
from kit.db import Database
from kit.projections import ProjectedRow, RecordSource
from kit.testing.polling import wait_until

#: ``announce(event_type, record_id, *, event_id=None, **data)`` → the event published.
Announce = Callable[..., Awaitable[CloudEvent]]
#: ``known(*records)``: each record's data (with its ``id``, or a new one) announced as
#: created, once the projection holds them all → their ids.
Known = Callable[..., Awaitable[list[uuid.UUID]]]


@asynccontextmanager
async def jetstream(url: str, streams: Iterable[str]) -> AsyncIterator[JetStreamContext]:
    """A JetStream client on ``url`` with ``streams`` created."""
    client = await nats.connect(url)
    js = client.jetstream()
    await ensure_streams(js, list(streams))
    try:
        yield js
    finally:
        await client.close()


def announcer(
    js: JetStreamContext, source: RecordSource, *, producer: str, minimal: dict[str, Any]
) -> Announce:
    """Publish ``source``'s events as ``producer`` would: ``version`` 1 unless given, a
    whole record ``minimal`` plus ``created_at``/``updated_at`` now, a deletion now."""
    changed = {kind.name for kind in source.changed}

    async def publish(
        event_type: str, record_id: uuid.UUID, *, event_id: str | None = None, **data: Any
    ) -> CloudEvent:
        now = datetime.now(UTC).isoformat()
        payload: dict[str, Any] = {"id": str(record_id), "version": 1}
        if event_type in changed:
            payload |= {**minimal, "created_at": now, "updated_at": now}
        if event_type == source.deleted.name:
            payload["deleted_at"] = now
        payload |= data
        event = CloudEvent(source=producer, type=event_type, subject=str(record_id), data=payload)
        if event_id:
            event.id = event_id
        await js.publish(event_type, event.to_json(), headers={"Nats-Msg-Id": event.id})
        return event

    return publish


async def until_projected(
    database: Database, model: type[ProjectedRow], ids: Iterable[uuid.UUID]
) -> None:
    """Wait until the projection table ``model`` holds every one of ``ids``."""
    wanted = list(ids)

    async def projected() -> bool:
        async with database.transaction(write=False) as session:
            found = [await session.get(model, record_id) for record_id in wanted]
        return all(found)

    # Returns as soon as they are there; the bound is for a loaded machine, where a consumer
    # took over 10 s to catch up (surveys' results tests on PostgreSQL at load 13).
    await wait_until(projected, within=30.0, what="the records reach the projection")


def known_records(
    announce: Announce, created: str, database: Database, model: type[ProjectedRow]
) -> Known:
    """Announce records as ``created`` events and wait until the projection holds them."""

    async def make(*records: dict[str, Any]) -> list[uuid.UUID]:
        ids = []
        for data in records:
            record_id = uuid.UUID(str(data.pop("id", uuid.uuid4())))
            await announce(created, record_id, **data)
            ids.append(record_id)
        await until_projected(database, model, ids)
        return ids

    return make
