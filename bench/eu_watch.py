"""EU watch at network scale, on SQLite and PostgreSQL in turn.

* the portal sync of 5,000 topics from the local fake portal (pages of 100, in the portal's
  shape, served over HTTP on this machine): target ≤ 60 s;
* the same sync again with nothing changed: target ≤ 15 s, and no call written, no event;
* the matches of a call against 10,000 member actors (the service's own projection): target
  ≤ 200 ms, in process beside the path it replaced (kept here only to compare: every
  candidate read and ranked in Python, which must give the same matches), and through the
  gateway beside reading one call;
* calls search through the gateway at 10,000 calls (``q`` + filters + facets, and a filtered
  list): target p95 ≤ 30 ms, beside the plain list without filter nor facet;
* a member's calls, best first (``GET /v1/calls?for_actor=…``) at 10,000 calls: no target in
  the issue; the matches' 200 ms as a reference. In process beside the path it replaced (kept
  here only to compare: every call read whole and scored in Python, which must give the same
  page), and through the gateway beside the plain list.

Prints each figure beside its target and the ratio (figure / target: under 1 is within it),
and beside its baseline of the same run.

    .venv/bin/python -P bench/eu_watch.py [--topics 5000] [--actors 10000] [--requests 300]
"""

# ruff: noqa: E402 - the import path is fixed before the imports (below)
from __future__ import annotations

import sys
from pathlib import Path

# This file is named after the package it measures: run as a script, its folder comes first on
# the import path and would shadow the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import sqlalchemy as sa
import uvicorn

from eu_watch.actors.consumers import description_terms
from eu_watch.actors.models import KnownActor, KnownActorTerm, spaced
from eu_watch.actors.repository import ActorFilters, actor_terms, known_actor_repository
from eu_watch.calls.filters import CallFilters
from eu_watch.calls.models import Call
from eu_watch.calls.schemas import MatchSummary
from eu_watch.calls.service import call_service
from eu_watch.config import Settings
from eu_watch.cordis.service import cordis_service
from eu_watch.db import outbox
from eu_watch.main import SERVICE_ROOT
from eu_watch.matching.policies import STILL_OPEN_TO_APPLY, rank, score
from eu_watch.matching.service import FOR_ACTOR_CALLS, matching_service, profile_of, to_match
from eu_watch.sedia.records import read_topic
from eu_watch.sources.service import sedia_sync
from eu_watch.testing.fake_portal import FACETS, SEARCH_PATH, FakePortal, portal_topic
from kit.db import Database
from kit.identity import Identity, Role
from kit.migrations import upgrade
from kit.models import utcnow
from kit.paging import PageParams
from kit.testing.databases import create_postgres_database, drop_postgres_database
from kit.testing.nats import free_port
from maillage_cli.stack import Stack, StackOptions

KEYWORDS = [
    "Citizen science", "Science communication", "Ocean", "Biodiversity", "Climate change",
    "Artificial intelligence", "Health", "Space", "Cultural heritage", "Energy", "Mathematics",
    "Disinformation", "Agroecology", "Quantum", "Robotics", "Marine", "Democracy", "Food",
]  # fmt: skip
DIVISIONS = list(FACETS["programmeDivision"])
ACTIONS = ["HORIZON Coordination and Support Actions", "HORIZON Research and Innovation Actions"]
TYPES = [
    "science_centre", "museum", "natural_history_museum", "university", "laboratory",
    "research_organisation", "association", "popular_education", "local_authority", "library",
]  # fmt: skip
THEMES = [
    "biology", "environment", "sea_coast", "digital", "health", "astronomy_space", "heritage",
    "science_society", "critical_thinking", "energy", "mathematics", "agriculture_food",
]  # fmt: skip
WORDS = [
    "océans", "climat", "biodiversité", "numérique", "santé", "espace", "musée", "patrimoine",
]  # fmt: skip


def topics(count: int, *, seed: int = 7, prefix: str = "HORIZON-BENCH") -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        year = rng.choice([2026, 2027])
        deadlines = [f"{year + 1}-0{rng.randint(1, 9)}-{rng.randint(10, 28)}"]
        if rng.random() < 0.2:
            deadlines.insert(0, f"{year}-1{rng.randint(0, 2)}-{rng.randint(10, 28)}")
        out.append(
            portal_topic(
                f"{prefix}-{n:05d}",
                title=f"{rng.choice(KEYWORDS)} and {rng.choice(KEYWORDS).lower()} topic {n}",
                divisions=[rng.choice(DIVISIONS)],
                keywords=rng.sample(KEYWORDS, 3),
                type_of_action=rng.choice(ACTIONS),
                start=f"{year - 1}-0{rng.randint(1, 9)}-15",
                deadlines=deadlines,
                budget_years={str(year): rng.choice([1, 2, 4, 8]) * 1_000_000},
                description_html="<p>" + ". ".join(rng.sample(KEYWORDS, 5)) + ".</p>",
            )
        )
    return out


def serve_portal(port: int, count: int) -> None:
    """The fake portal in a process of its own, as the real one is on another machine: its
    JSON encoding does not share the sync's CPU time slice."""
    portal = FakePortal()
    portal.reset(topics(count))
    uvicorn.run(portal.app(), host="127.0.0.1", port=port, log_level="warning")


@contextlib.asynccontextmanager
async def portal_process(count: int) -> AsyncIterator[str]:
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(
        target=serve_portal, args=(port, count), daemon=True
    )
    process.start()
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                try:
                    await client.post(f"http://127.0.0.1:{port}{SEARCH_PATH}")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(5)


async def counts(database: Database) -> tuple[int, int, Any]:
    """Calls, outbox rows, and the latest change of a call: what a write would move."""
    async with database.transaction(write=False) as session:
        calls = await session.scalar(sa.select(sa.func.count()).select_from(Call))
        events = await session.scalar(sa.select(sa.func.count()).select_from(outbox.table))
        latest = await session.scalar(sa.select(sa.func.max(Call.updated_at)))
    return int(calls or 0), int(events or 0), latest


async def load_actors(database: Database, count: int) -> list[uuid.UUID]:
    rng = random.Random(3)
    ids = [uuid.uuid4() for _ in range(count)]
    rows = [
        {
            "id": ids[n],
            "name": f"Acteur {n}",
            "name_key": f"acteur {n}",
            "types": spaced(rng.sample(TYPES, rng.randint(1, 2))),
            "circle": rng.choice([1, 2]),
            "themes": spaced(rng.sample(THEMES, rng.randint(1, 3))),
            "description_terms": description_terms(" ".join(rng.sample(WORDS, 4))),
            "department": "31",
            "region": rng.choice(["76", "75", "84", "11", "32"]),
            "member": True,
            "email": None,
            "status": "active",
            "version": 1,
        }
        for n in range(count)
    ]
    # What the consumer writes for each actor: its row and the terms it is matched by.
    terms = [
        {"term": term, "actor_id": row["id"]}
        for row in rows
        for term in actor_terms(
            themes=str(row["themes"]), description_terms=str(row["description_terms"])
        )
    ]
    async with database.transaction() as session:
        await session.execute(sa.insert(KnownActor), rows)
        for start in range(0, len(terms), 5000):
            await session.execute(sa.insert(KnownActorTerm), terms[start : start + 5000])
    return ids


def line(what: str, value: float, target: float, unit: str) -> str:
    ratio = value / target
    return f"  {what:<58} {value:>9.1f} {unit:<3} (target {target:g} {unit}: ratio {ratio:.2f})"


async def bench_backend(backend: str, args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix=f"maillage-bench-euwatch-{backend}-"))
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'eu_watch.db'}"
    else:
        url = await create_postgres_database("maillage_bench_eu_watch")
    print(f"\n[{backend}] (load average at the start: {load_average()})")
    try:
        await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
        async with portal_process(args.topics) as base:
            settings = Settings(
                database_url=url, sedia_url=f"{base}{SEARCH_PATH}", sedia_sync=False
            )
            database = Database(url)
            try:
                started = time.perf_counter()
                report = await sedia_sync.run(database, settings, trigger="bench")
                first = time.perf_counter() - started
                assert report is not None
                assert report.counts.created == args.topics, report.counts
                print(line(f"sync of {args.topics:,} topics (pages of 100)", first, 60, "s"))
                before = await counts(database)
                started = time.perf_counter()
                again = await sedia_sync.run(database, settings, trigger="bench")
                second = time.perf_counter() - started
                assert again is not None
                after = await counts(database)
                print(line("the same sync again, nothing changed", second, 15, "s"))
                print(
                    f"  {'':<58} written: {again.counts.created + again.counts.updated} calls, "
                    f"{after[1] - before[1]} events (calls' latest change "
                    f"{'unchanged' if after[2] == before[2] else 'MOVED'})"
                )

                # Up to 10,000 calls for the search: the rest read straight from portal records.
                extra = [
                    read_topic(t, FACETS)
                    for t in topics(args.calls - args.topics, seed=8, prefix="HORIZON-MORE")
                ]
                for start in range(0, len(extra), 500):
                    async with database.transaction() as session:
                        await call_service.write_contents(
                            session, extra[start : start + 500], now=utcnow()
                        )

                actor_ids = await load_actors(database, args.actors)
                async with database.transaction(write=False) as session:
                    call_ids = list(
                        await session.scalars(sa.select(Call.id).order_by(Call.identifier))
                    )
                await matches_in_process(database, call_ids[:: len(call_ids) // 20][:20], args)
                await for_actor_in_process(database, actor_ids[:: len(actor_ids) // 20][:20])
            finally:
                await database.dispose()

        await through_gateway(workdir, url, call_ids, actor_ids, args)
    finally:
        if backend == "postgresql":
            await drop_postgres_database(url)


async def matches_in_process(
    database: Database, call_ids: list[uuid.UUID], args: argparse.Namespace
) -> None:
    """The service's matches of 20 calls beside the path it replaced, kept here only to
    compare: every member sharing a theme or a stem with the call read and ranked in Python."""
    new, old = [], []
    for call_id in call_ids:
        async with database.transaction(write=False) as session:
            started = time.perf_counter()
            found = await matching_service.matches(
                session, call_id=call_id, actors=ActorFilters(), limit=20
            )
            new.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            profile = profile_of(await call_service.get(session, call_id=call_id))
            stems = {stem for _, term_stems in profile.terms for stem in term_stems}
            candidates = await known_actor_repository.profiles(
                session, ActorFilters(), themes=profile.themes.keys(), stems=stems
            )
            before = [to_match(m) for m in rank(profile, candidates)[:20]]
            old.append((time.perf_counter() - started) * 1000)
        assert found.items == before, "the database's matches differ from the policy's ranking"
    median, baseline = statistics.median(new), statistics.median(old)
    print(
        line(
            f"matches of a call vs {args.actors:,} actors, in process (median, 20 calls)",
            median,
            200,
            "ms",
        )
    )
    print(
        f"  {'':<58} the old path (read every candidate, rank in Python): "
        f"{baseline:.1f} ms, {baseline / median:.1f}x the time; same 20 matches for each call"
    )


async def for_actor_in_process(database: Database, actor_ids: list[uuid.UUID]) -> None:
    """A first page of the calls of 20 members beside the path it replaced, kept here only to
    compare: the first ``FOR_ACTOR_CALLS`` calls by deadline read whole, each scored in
    Python."""
    staff = Identity(subject="bench", role=Role.ADMIN)
    # Both paths read the calls a member can still apply to (the list's default).
    still_open = CallFilters(statuses=STILL_OPEN_TO_APPLY)
    new, old = [], []
    total = 0
    for actor_id in actor_ids:
        async with database.transaction(write=False) as session:
            started = time.perf_counter()
            found = await matching_service.calls_for_actor(
                session,
                actor_id=actor_id,
                identity=staff,
                filters=still_open,
                paging=PageParams(limit=20),
            )
            new.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            actor = await known_actor_repository.profile(session, actor_id)
            assert actor is not None
            calls = await call_service.feed(
                session, filters=still_open, sort="deadline", limit=FOR_ACTOR_CALLS
            )
            projects = await cordis_service.projects_of(session, actor_id)
            scored = []
            for call in calls:
                match = score(profile_of(call), actor)
                if match is not None:
                    reason = cordis_service.reason_for(call, projects)
                    if reason is not None:
                        match.score += reason["points"]
                        match.reasons.append(reason)
                    scored.append((match, call))
            scored.sort(key=lambda pair: -pair[0].score)
            before = [
                call_service.to_read(call).model_copy(
                    update={"match": MatchSummary(score=m.score, reasons=m.reasons)}
                )
                for m, call in scored[:20]
            ]
            old.append((time.perf_counter() - started) * 1000)
            total = len(calls)
        assert found.items == before, "a member's calls differ from every call scored in Python"
    median, baseline = statistics.median(new), statistics.median(old)
    print(
        line(
            f"a member's calls at {total:,} calls, in process (median, 20 members)",
            median,
            200,
            "ms",
        )
    )
    print(
        f"  {'':<58} no target in the issue; the matches' 200 ms as a reference. The old path"
        f" (every call read whole, scored in Python): {baseline:.1f} ms,"
        f" {baseline / median:.1f}x the time; same first page for each member"
    )


async def through_gateway(
    workdir: Path,
    url: str,
    call_ids: list[uuid.UUID],
    actor_ids: list[uuid.UUID],
    args: argparse.Namespace,
) -> None:
    """Through the gateway (a staff key), each beside a baseline in the same run: a call read
    by its id for the matches, the plain list (no filter, no facet) for the searches and a
    member's calls."""
    options = StackOptions(
        var_dir=workdir / "var",
        environ={
            **os.environ,
            "MAILLAGE_EU_WATCH_DATABASE_URL": url,
            "MAILLAGE_EU_WATCH_SEDIA_SYNC": "false",
            "MAILLAGE_LOG_LEVEL": "WARNING",
            "MAILLAGE_GATEWAY_RATE_LIMIT_IP_PER_MINUTE": "0",
            "MAILLAGE_GATEWAY_RATE_LIMIT_KEY_PER_MINUTE": "0",
        },
        gateway_port=0,
        prefer_default_ports=False,
    )
    rng = random.Random(5)
    words = ["ocean", "biodiversité", "citizen", "climat", "space"]
    selective = [
        f"/v1/calls?q={rng.choice(words)}&status=open&programme=HORIZON"
        "&facets=status,programme,theme&limit=20"
        for _ in range(args.requests)
    ]
    plain = [
        f"/v1/calls?status=open&theme={rng.choice(THEMES)}&limit=20" for _ in range(args.requests)
    ]
    baseline = ["/v1/calls?limit=20"] * args.requests
    sample = call_ids[:: max(1, len(call_ids) // 50)][:50]
    matches = [f"/v1/calls/{rng.choice(sample)}/matches?limit=20" for _ in range(args.requests)]
    reads = [f"/v1/calls/{rng.choice(sample)}" for _ in range(args.requests)]
    members = actor_ids[:: max(1, len(actor_ids) // 50)][:50]
    for_actor = [
        f"/v1/calls?for_actor={rng.choice(members)}&limit=20" for _ in range(args.requests)
    ]
    async with Stack(options) as stack:
        # The service publishes the 10,000 calls' events when it starts: measure once done.
        drained = await outbox_drained(url)
        headers = {"Authorization": f"Bearer {stack.admin_key}"}
        async with httpx.AsyncClient(base_url=stack.api_url, timeout=30, headers=headers) as client:
            count = (await client.get("/v1/calls?limit=1&facets=status")).json()["facets"]
            total = sum(c["count"] for c in count["status"])
            sets = {
                "base": baseline,
                "selective": selective,
                "plain": plain,
                "read": reads,
                "matches": matches,
                "for_actor": for_actor,
            }
            await interleaved(client, {name: urls[:30] for name, urls in sets.items()})  # warm
            measured = await interleaved(client, sets)
    print(
        f"  through the gateway, {args.requests} requests of each kind, one at a time, the kinds"
        f" taking turns (outbox drained in {drained:.0f} s first):"
    )
    for name, what, reference in (
        ("selective", f"search at {total:,} calls, q + 2 filters + 3 facets", "base"),
        ("plain", f"search at {total:,} calls, status + theme, no facet", "base"),
        ("base", f"the plain list at {total:,} calls (baseline)", None),
        ("matches", f"matches of a call vs {args.actors:,} actors", "read"),
        ("read", "one call by its id (baseline of the matches)", None),
        ("for_actor", f"a member's calls at {total:,} calls, best first", "base"),
    ):
        p50, p95 = measured[name]
        target = 200 if name in ("matches", "read", "for_actor") else 30
        print(line(f"{what}: p95 (p50 {p50:.1f})", p95, target, "ms"))
        if name == "for_actor":
            print(f"  {'':<58} no target in the issue; the matches' 200 ms as a reference")
        if reference is not None:
            ref50, ref95 = measured[reference]
            print(
                f"  {'':<58} p95 {p95 / ref95:.1f}x, p50 {p50 / ref50:.1f}x the baseline's "
                f"({ref95:.1f} / {ref50:.1f} ms)"
            )


async def outbox_drained(url: str) -> float:
    """Seconds until the service has published every pending event (10 minutes at most)."""
    database = Database(url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < 600:
            async with database.transaction(write=False) as session:
                pending = await session.scalar(
                    sa.select(sa.func.count())
                    .select_from(outbox.table)
                    .where(outbox.table.c.published_at.is_(None))
                )
            if not pending:
                break
            await asyncio.sleep(1)
    finally:
        await database.dispose()
    return time.perf_counter() - started


async def interleaved(
    client: httpx.AsyncClient, sets: dict[str, list[str]]
) -> dict[str, tuple[float, float]]:
    """p50 and p95 (ms) of each set of URLs, one request of each set in turn, so that the
    machine's load weighs alike on all of them."""
    timings: dict[str, list[float]] = {name: [] for name in sets}
    for index in range(max(len(urls) for urls in sets.values())):
        for name, urls in sets.items():
            if index >= len(urls):
                continue
            started = time.perf_counter()
            response = await client.get(urls[index])
            timings[name].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{urls[index]}: {response.status_code} {response.text[:200]}")
    result = {}
    for name, values in timings.items():
        quantiles = statistics.quantiles(values, n=100)
        result[name] = (quantiles[49], quantiles[94])
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--topics", type=int, default=5000)
    parser.add_argument("--calls", type=int, default=10000)
    parser.add_argument("--actors", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        await bench_backend(backend, args)
    print(f"\nload average at the end: {load_average()}")


def load_average() -> str:
    """The machine's load (1, 5, 15 min), printed because the machine is shared: a figure
    taken under load says little of a target."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    asyncio.run(main())
