"""Never overbook: 500 concurrent registrations for 50 seats, on SQLite and on PostgreSQL.

Each round creates an event with 50 seats and a waitlist, fires 500 registrations at once at
the events app (in-process over ASGI, real databases migrated with Alembic, a real
nats-server for the outbox relay), then checks in the database that exactly 50 are confirmed
and 450 waitlisted with places 1..450. Rounds are repeated (10 by default) and the backends
alternate round by round, so the printed ratio holds on a noisy machine.

    .venv/bin/python -P bench/registrations.py
    .venv/bin/python -P bench/registrations.py --rounds 3 --requests 200 --seats 20
    MAILLAGE_TEST_POSTGRES_URL=postgresql://user:pw@host/postgres .venv/bin/python -P bench/...
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from events.config import Settings
from events.main import SERVICE_ROOT, create_app
from events.organizers.models import KnownActor
from events.registrations.models import Registration
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
from kit.testing.plugin import asgi_client, identity_headers


@dataclass
class Backend:
    name: str
    app: FastAPI
    database: Database
    organizer_id: uuid.UUID
    wall: list[float] = field(default_factory=list)
    reads_wall: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    overbooked: int = 0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


async def start_backend(stack: AsyncExitStack, name: str, url: str, nats_url: str) -> Backend:
    settings = Settings(
        database_url=url,
        consumer_prefix=f"bench-{name}-{uuid.uuid4().hex[:6]}",
        common=CommonSettings(nats_url=nats_url),
    )
    await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
    app = create_app(settings)
    # The relay may still be publishing thousands of outbox rows at the end: give it time.
    await stack.enter_async_context(LifespanManager(app, shutdown_timeout=60))
    database = Database(url)
    stack.push_async_callback(database.dispose)
    organizer_id = uuid.uuid4()
    async with database.transaction() as session:
        session.add(
            KnownActor(id=organizer_id, name="Quai des Savoirs", status="active", version=1)
        )
    return Backend(name=name, app=app, database=database, organizer_id=organizer_id)


async def one_round(
    backend: Backend, signer: IdentitySigner, *, requests: int, seats: int, index: int
) -> None:
    admin_headers = identity_headers(signer, "admin")
    public_headers = identity_headers(signer, "anonymous")
    async with asgi_client(backend.app, admin_headers) as admin:
        created = await admin.post(
            "/v1/events",
            json={
                "title": f"Formation « Médiation et numérique » n°{index}",
                "kind": "training",
                "organizer_ids": [str(backend.organizer_id)],
                "timings": [
                    {"start": "2031-03-12T09:00:00+01:00", "end": "2031-03-12T17:30:00+01:00"}
                ],
                "location": {"city": "Toulouse", "commune_insee": "31555"},
                "registration": {
                    "mode": "internal",
                    "capacity": seats,
                    "waitlist": True,
                    "confirm_email": False,  # measured: the seat decision, not the mail
                },
            },
        )
        created.raise_for_status()
        event_id = created.json()["id"]

    async def register(client: httpx.AsyncClient, n: int) -> tuple[int, float]:
        sent = time.perf_counter()
        response = await client.post(
            f"/v1/events/{event_id}/registrations",
            json={"name": f"Personne {n}", "email": f"personne.{n}.{index}@exemple.fr"},
        )
        return response.status_code, time.perf_counter() - sent

    async with asgi_client(backend.app, public_headers) as public:
        public.timeout = httpx.Timeout(120)
        started = time.perf_counter()
        answers = await asyncio.gather(*(register(public, n) for n in range(requests)))
        wall = time.perf_counter() - started
        # Baseline in the same conditions: as many concurrent public reads of the event.
        started = time.perf_counter()
        reads = await asyncio.gather(
            *(public.get(f"/v1/events/{event_id}") for _ in range(requests))
        )
        backend.reads_wall.append(time.perf_counter() - started)
        assert all(r.status_code == 200 for r in reads)
    codes = [code for code, _ in answers]
    if codes.count(201) != requests:
        raise SystemExit(f"{backend.name}: unexpected answers {sorted(set(codes))}")
    backend.wall.append(wall)
    backend.latencies.extend(latency for _, latency in answers)

    async with backend.database.transaction(write=False) as session:
        rows = (
            await session.execute(
                sa.select(Registration.status, Registration.number)
                .where(Registration.event_id == uuid.UUID(event_id))
                .order_by(Registration.number)
            )
        ).all()
    confirmed = sum(1 for status, _ in rows if status == "confirmed")
    waitlisted = [number for status, number in rows if status == "waitlisted"]
    backend.overbooked += max(0, confirmed - seats)
    ok = confirmed == seats and len(waitlisted) == requests - seats
    print(
        f"  round {index:>2} {backend.name:<10} {wall * 1000:8.0f} ms   "
        f"{requests / wall:7.0f} reg/s   confirmed {confirmed:>4}   waitlisted "
        f"{len(waitlisted):>4}   {'ok' if ok else 'WRONG'}   (as many GETs: "
        f"{backend.reads_wall[-1] * 1000:5.0f} ms)"
    )
    if not ok:
        raise SystemExit(f"{backend.name}: overbooking or lost registrations in round {index}")


async def main(args: argparse.Namespace) -> None:
    signer = IdentitySigner(DEV_IDENTITY_SECRET)
    backends: list[Backend] = []
    with (
        tempfile.TemporaryDirectory(prefix="maillage-bench-") as tmp,
        NatsServer(Path(tmp) / "nats") as nats_server,
    ):
        async with AsyncExitStack() as stack:
            backends.append(
                await start_backend(
                    stack, "sqlite", sqlite_url(Path(tmp), "events"), nats_server.url
                )
            )
            why = await postgres_reachable()
            if why is None:
                url = await create_postgres_database("maillage_bench_events")
                stack.push_async_callback(drop_postgres_database, url)
                backends.append(await start_backend(stack, "postgresql", url, nats_server.url))
            else:
                print(f"PostgreSQL unreachable ({why}): SQLite only")
            print(
                f"{args.requests} concurrent registrations for {args.seats} seats, "
                f"{args.rounds} rounds per backend (backends alternate)"
            )
            for index in range(1, args.rounds + 1):
                for backend in backends:
                    await one_round(
                        backend, signer, requests=args.requests, seats=args.seats, index=index
                    )
    print()
    summary: dict[str, Any] = {}
    for backend in backends:
        ms = [v * 1000 for v in backend.latencies]
        wall = statistics.median(backend.wall)
        summary[backend.name] = wall
        print(
            f"{backend.name:<10} median round {wall * 1000:7.0f} ms "
            f"({args.requests / wall:5.0f} reg/s)   request p50 {percentile(ms, 0.5):6.0f} ms"
            f"   p95 {percentile(ms, 0.95):6.0f} ms   overbooked seats over all rounds: "
            f"{backend.overbooked}"
        )
        reads = statistics.median(backend.reads_wall)
        print(
            f"{'':<10} median of {args.requests} concurrent GETs {reads * 1000:5.0f} ms"
            f"   registrations / reads: {wall / reads:.1f}"
        )
    if len(summary) == 2:
        print(f"postgresql / sqlite round time: {summary['postgresql'] / summary['sqlite']:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seats", type=int, default=50)
    asyncio.run(main(parser.parse_args()))
