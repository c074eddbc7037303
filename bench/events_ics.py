"""``GET /v1/events.ics`` over 10,000 published events: time and peak memory, on both backends.

The events are written straight into a migrated database (SQLite file, and PostgreSQL when
reachable), then the feed is read through the events app in-process over ASGI, body message
by body message as a server would send them. Peak memory is Python's allocations during the
request (tracemalloc, in a second pass so it does not slow the timed one), printed beside the
same calendar rendered at once from one query: the ratio shows what streaming saves.

    .venv/bin/python -P bench/events_ics.py
    .venv/bin/python -P bench/events_ics.py --events 2000 --repeat 5
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from icalendar import Calendar

from events.agenda import ical
from events.agenda.models import Event, EventOrganizer
from events.config import Settings
from events.main import SERVICE_ROOT, create_app
from events.organizers.models import KnownActor
from kit.db import Database
from kit.identity import IdentitySigner
from kit.migrations import upgrade
from kit.settings import DEV_IDENTITY_SECRET, CommonSettings
from kit.testing.databases import (
    create_postgres_database,
    drop_postgres_database,
    postgres_reachable,
    sqlite_url,
)
from kit.testing.nats import NatsServer
from kit.testing.plugin import identity_headers

THEMES = ["astronomy_space", "biology", "environment", "digital", "heritage", "sea_coast"]
CITIES = [("Montpellier", "34172"), ("Toulouse", "31555"), ("Sète", "34301"), ("Albi", "81004")]


async def fill(database: Database, count: int) -> None:
    """``count`` published events of a few organizers, one to three timings each."""
    now = datetime.now(UTC)
    organizers = [uuid.uuid4() for _ in range(20)]
    async with database.transaction() as session:
        session.add_all(
            KnownActor(id=a, name=f"Acteur n°{i} — Sciences & Société", status="active", version=1)
            for i, a in enumerate(organizers)
        )
    first = datetime(2031, 1, 5, 8, 0, tzinfo=UTC)
    for offset in range(0, count, 1000):
        events: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        for n in range(offset, min(offset + 1000, count)):
            start = first + timedelta(hours=7 * n)
            timings = [
                {
                    "start": (start + timedelta(days=7 * k)).isoformat(),
                    "end": (start + timedelta(days=7 * k, hours=2)).isoformat(),
                }
                for k in range(1 + n % 3)
            ]
            city, insee = CITIES[n % len(CITIES)]
            event_id = uuid.uuid4()
            events.append(
                {
                    "id": event_id,
                    "title": f"Atelier n°{n} : « Sciences, société; médiation » à {city}",
                    "summary": "Découverte, expériences et échanges avec des chercheuses.",
                    "description": "Programme détaillé : accueil, ateliers; goûter.\n" * 3,
                    "kind": "workshop",
                    "themes": [THEMES[n % len(THEMES)]],
                    "audiences": ["families"],
                    "accessibility": {},
                    "attendance_mode": "offline",
                    "location": {"name": "Médiathèque", "city": city, "commune_insee": insee},
                    "timings": timings,
                    "starts_at": start,
                    "ends_at": datetime.fromisoformat(timings[-1]["end"]),
                    "status": "cancelled" if n % 50 == 0 else "scheduled",
                    "state": "published",
                    "registration": {},
                    "ext_ids": {},
                    "created_at": now,
                    "updated_at": now,
                    "version": 1 + n % 4,
                }
            )
            links.append({"event_id": event_id, "actor_id": organizers[n % 20], "position": 0})
        async with database.transaction() as session:
            await session.execute(sa.insert(Event.__table__), events)
            await session.execute(sa.insert(EventOrganizer.__table__), links)


async def stream_feed(app: FastAPI, headers: dict[str, str]) -> tuple[int, int, bytes, bytes]:
    """GET the feed over raw ASGI: (bytes, body messages, first 64 KiB, last 200 bytes)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/events.ics",
        "raw_path": b"/v1/events.ics",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1234),
        "server": ("service", 80),
    }
    size = messages = 0
    head = b""
    tail = b""
    requested = False
    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal size, messages, head, tail
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            size += len(body)
            messages += 1
            if len(head) < 65536:
                head += body[:65536]
            tail = body[-200:] if body else tail
            if not message.get("more_body"):
                finished.set()

    await app(scope, receive, send)
    return size, messages, head, tail


async def at_once(database: Database) -> int:
    """The same calendar built in memory from one query (what streaming avoids)."""
    async with database.transaction(write=False) as session:
        events = (
            await session.scalars(
                sa.select(Event).where(Event.state == "published").order_by(Event.starts_at)
            )
        ).all()
    return len(ical.calendar("Maillage", [(e, []) for e in events]))


async def peak_memory(action: Callable[[], Awaitable[Any]]) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        await action()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


async def measure(name: str, url: str, nats_url: str, args: argparse.Namespace) -> None:
    await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
    database = Database(url)
    settings = Settings(
        database_url=url,
        consumer_prefix=f"bench-ics-{uuid.uuid4().hex[:6]}",
        common=CommonSettings(nats_url=nats_url),
    )
    app = create_app(settings)
    headers = identity_headers(IdentitySigner(DEV_IDENTITY_SECRET), "anonymous")
    try:
        started = time.perf_counter()
        await fill(database, args.events)
        print(f"{name}: {args.events} events written in {time.perf_counter() - started:.1f} s")
        async with LifespanManager(app, shutdown_timeout=30):
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                size, messages, head, tail = await stream_feed(app, headers)
                times.append(time.perf_counter() - started)
            streamed_peak = await peak_memory(lambda: stream_feed(app, headers))
        built_peak = await peak_memory(lambda: at_once(database))
    finally:
        await database.dispose()
    assert tail.endswith(b"END:VCALENDAR\r\n")
    whole_events = head[: head.rindex(b"END:VEVENT\r\n") + 12] + b"END:VCALENDAR\r\n"
    assert Calendar.from_ical(whole_events).events, "the feed's first bytes parse back"
    best = min(times)
    print(
        f"  feed: {size / 1e6:.1f} MB in {messages} body messages; "
        f"median {statistics.median(times):.2f} s, best {best:.2f} s "
        f"({args.events / best:.0f} events/s) over {args.repeat} runs"
    )
    print(
        f"  peak Python memory: streamed {streamed_peak:.1f} MB, built at once "
        f"{built_peak:.1f} MB (ratio {built_peak / streamed_peak:.1f}x)"
    )


async def main(args: argparse.Namespace) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="maillage-bench-ics-") as tmp,
        NatsServer(Path(tmp) / "nats") as nats_server,
    ):
        async with AsyncExitStack() as stack:
            await measure("sqlite", sqlite_url(Path(tmp), "events"), nats_server.url, args)
            why = await postgres_reachable()
            if why is not None:
                print(f"PostgreSQL unreachable ({why}): SQLite only")
                return
            url = await create_postgres_database("maillage_bench_ics")
            stack.push_async_callback(drop_postgres_database, url)
            await measure("postgresql", url, nats_server.url, args)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
