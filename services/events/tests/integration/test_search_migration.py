"""Migration 0004 indexes the events that existed before it, on both backends."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from events.main import SERVICE_ROOT
from events.search.models import EventFacetCount, EventSearch, EventTag, EventTombstone
from kit.db import Database
from kit.migrations import upgrade
from kit.sqltypes import Json, UtcDateTime
from kit.testing.plugin import BACKENDS, DatabaseFactory

#: The events table as revision 0003 left it (the model may have grown since).
EVENTS_0003 = sa.table(
    "events",
    sa.column("id", sa.Uuid()),
    sa.column("title", sa.String()),
    sa.column("summary", sa.String()),
    sa.column("kind", sa.String()),
    *(
        sa.column(name, Json)
        for name in (
            "themes",
            "audiences",
            "accessibility",
            "age",
            "location",
            "timings",
            "registration",
            "ext_ids",
        )
    ),
    sa.column("attendance_mode", sa.String()),
    sa.column("status", sa.String()),
    sa.column("state", sa.String()),
    sa.column("version", sa.Integer()),
    *(
        sa.column(name, UtcDateTime())
        for name in ("starts_at", "ends_at", "created_at", "updated_at", "deleted_at")
    ),
)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_existing_events_are_indexed_and_deleted_ones_tombstoned(
    backend: str, database_factory: DatabaseFactory
) -> None:
    url = await database_factory(backend, "events_search_migration")
    await asyncio.to_thread(upgrade, SERVICE_ROOT, url, "0003")
    database = Database(url)
    live, gone = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    start = datetime(2027, 8, 7, 19, tzinfo=UTC)
    common = {
        "kind": "visit",
        "audiences": ["families"],
        "attendance_mode": "offline",
        "timings": [{"start": start.isoformat(), "end": start.replace(hour=23).isoformat()}],
        "starts_at": start,
        "ends_at": start.replace(hour=23),
        "status": "scheduled",
        "state": "published",
        "registration": {},
        "ext_ids": {},
        "created_at": now,
        "updated_at": now,
        "version": 3,
    }
    try:
        async with database.transaction() as session:
            await session.execute(
                sa.insert(EVENTS_0003),
                [
                    {
                        **common,
                        "id": live,
                        "title": "Nuit des Étoiles",
                        "summary": "Observation au télescope",
                        "themes": ["astronomy_space"],
                        "accessibility": {"motor": True, "visual": False},
                        "age": {"min": 7},
                        "location": {"city": "Fleurance", "lat": 43.85, "lon": 0.66},
                        "deleted_at": None,
                    },
                    {
                        **common,
                        "id": gone,
                        "title": "Annulé",
                        "summary": None,
                        "themes": [],
                        "accessibility": {},
                        "age": None,
                        "location": None,
                        "deleted_at": now,
                    },
                ],
            )
        await asyncio.to_thread(upgrade, SERVICE_ROOT, url, "0004")
        async with database.transaction(write=False) as session:
            search = (
                await session.scalars(sa.select(EventSearch).where(EventSearch.event_id == live))
            ).one()
            tags = (
                await session.execute(
                    sa.select(EventTag.facet, EventTag.value, EventTag.state).order_by(
                        EventTag.event_id == gone, EventTag.facet, EventTag.value
                    )
                )
            ).all()
            tombstones = (await session.scalars(sa.select(EventTombstone))).all()
            counts = (
                await session.execute(
                    sa.select(EventFacetCount.value, EventFacetCount.state, EventFacetCount.count)
                    .where(EventFacetCount.facet == "kind")
                    .order_by(EventFacetCount.state)
                )
            ).all()
    finally:
        await database.dispose()
    assert search.title_terms == "nuit de etoil"
    assert "telescop" in search.other_terms.split()
    assert "fleuranc" in search.other_terms.split()
    assert (search.lat, search.lon, search.age_min, search.age_max) == (43.85, 0.66, 7, None)
    assert search.accessibility != 0
    assert [tuple(t) for t in tags] == [
        ("accessibility", "motor", "published"),
        ("attendance_mode", "offline", "published"),
        ("audience", "families", "published"),
        ("kind", "visit", "published"),
        ("state", "published", "published"),
        ("status", "scheduled", "published"),
        ("theme", "astronomy_space", "published"),
        # The deleted event's tags are never counted.
        ("attendance_mode", "offline", "deleted"),
        ("audience", "families", "deleted"),
        ("kind", "visit", "deleted"),
        ("state", "published", "deleted"),
        ("status", "scheduled", "deleted"),
    ]
    assert [(t.event_id, t.reason, t.version) for t in tombstones] == [(gone, "deleted", 3)]
    assert [tuple(c) for c in counts] == [("visit", "deleted", 1), ("visit", "published", 1)]
