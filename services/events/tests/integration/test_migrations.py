"""Migrations carry existing data forward, on both backends."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from events.agenda.models import Event, EventTiming
from events.main import SERVICE_ROOT
from kit.db import Database
from kit.migrations import upgrade
from kit.testing.plugin import BACKENDS, DatabaseFactory


@pytest.mark.parametrize("backend", BACKENDS)
async def test_event_timings_are_filled_from_existing_events(
    backend: str, database_factory: DatabaseFactory
) -> None:
    url = await database_factory(backend, "events_migration")
    await asyncio.to_thread(upgrade, SERVICE_ROOT, url, "0002")
    database = Database(url)
    event_id = uuid.uuid4()
    now = datetime.now(UTC)
    try:
        async with database.transaction() as session:
            await session.execute(
                sa.insert(Event.__table__),
                {
                    "id": event_id,
                    "title": "Nuit des étoiles",
                    "kind": "visit",
                    "themes": [],
                    "audiences": [],
                    "accessibility": {},
                    "attendance_mode": "offline",
                    "timings": [
                        {"start": "2027-08-07T21:00:00+02:00", "end": "2027-08-08T01:00:00+02:00"},
                        {"start": "2027-08-08T21:00:00+02:00", "end": "2027-08-09T01:00:00+02:00"},
                    ],
                    "starts_at": datetime(2027, 8, 7, 19, tzinfo=UTC),
                    "ends_at": datetime(2027, 8, 8, 23, tzinfo=UTC),
                    "status": "scheduled",
                    "state": "published",
                    "registration": {},
                    "ext_ids": {},
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                },
            )
        await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
        async with database.transaction(write=False) as session:
            rows = (
                await session.execute(
                    sa.select(EventTiming.position, EventTiming.start_at, EventTiming.end_at)
                    .where(EventTiming.event_id == event_id)
                    .order_by(EventTiming.position)
                )
            ).all()
    finally:
        await database.dispose()
    assert [tuple(r) for r in rows] == [
        (0, datetime(2027, 8, 7, 19, tzinfo=UTC), datetime(2027, 8, 7, 23, tzinfo=UTC)),
        (1, datetime(2027, 8, 8, 19, tzinfo=UTC), datetime(2027, 8, 8, 23, tzinfo=UTC)),
    ]
