"""Finding events at scale: 50,000 generated events, through the events service and the gateway.

For SQLite and PostgreSQL in turn: writes the events straight into a fresh, migrated
database (with the very search rows, tags and facet counts the service's flush listener
writes), starts the whole stack on free ports with that database, then measures p50/p95
latency, one request at a time, of

* ``q`` + ``department`` (a word and a territory, as a user types them),
* ``q`` + ``from``/``to`` (a word within a month),
* ``near=lat,lon&radius_km=20`` (a 20 km map query),
* facet counts (kind, theme, audience, department, status) beside ``q`` + ``department``,
* the same facets beside ``q`` alone (a common word: 5 % of the events match; not selective),
* facet counts over the whole published calendar (no filter: what a calendar page shows
  first; read from the stored counts),
* the plain list (the baseline: first page by start date, no filter),

straight to the events service (with a signed identity, as the gateway sends) and through the
gateway, in the same run. Target: p95 ≤ 30 ms for the selective queries.

    .venv/bin/python -P bench/events_search.py [--events 50000] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import sqlalchemy as sa

from events.agenda.models import Event, EventOrganizer, EventTiming
from events.main import SERVICE_ROOT
from events.organizers.models import KnownActor
from events.search.index import search_values, tag_values
from events.search.models import EventSearch, EventTag
from kit.db import create_engine
from kit.identity import IdentitySigner
from kit.migrations import upgrade
from kit.testing.databases import create_postgres_database, drop_postgres_database
from kit.testing.plugin import identity_headers
from maillage_cli.stack import Stack, StackOptions

#: (INSEE, city, département, region, lat, lon)
COMMUNES = [
    ("31555", "Toulouse", "31", "76", 43.6045, 1.4440),
    ("34172", "Montpellier", "34", "76", 43.6108, 3.8767),
    ("34301", "Sète", "34", "76", 43.4028, 3.6928),
    ("81004", "Albi", "81", "76", 43.9289, 2.1464),
    ("12202", "Rodez", "12", "76", 44.3506, 2.5750),
    ("46042", "Cahors", "46", "76", 44.4475, 1.4419),
    ("65440", "Tarbes", "65", "76", 43.2328, 0.0781),
    ("66136", "Perpignan", "66", "76", 42.6887, 2.8948),
    ("30189", "Nîmes", "30", "76", 43.8367, 4.3601),
    ("11069", "Carcassonne", "11", "76", 43.2130, 2.3491),
    ("75056", "Paris", "75", "11", 48.8566, 2.3522),
    ("69123", "Lyon", "69", "84", 45.7640, 4.8357),
    ("13055", "Marseille", "13", "93", 43.2965, 5.3698),
    ("33063", "Bordeaux", "33", "75", 44.8378, -0.5792),
    ("59350", "Lille", "59", "32", 50.6292, 3.0573),
    ("44109", "Nantes", "44", "52", 47.2184, -1.5536),
    ("67482", "Strasbourg", "67", "44", 48.5734, 7.7521),
    ("35238", "Rennes", "35", "53", 48.1173, -1.6778),
    ("38185", "Grenoble", "38", "84", 45.1885, 5.7245),
    ("21231", "Dijon", "21", "27", 47.3220, 5.0415),
    ("63113", "Clermont-Ferrand", "63", "84", 45.7772, 3.0870),
    ("14118", "Caen", "14", "28", 49.1829, -0.3707),
    ("2A004", "Ajaccio", "2A", "94", 41.9192, 8.7386),
    ("87085", "Limoges", "87", "75", 45.8336, 1.2611),
    ("29019", "Brest", "29", "53", 48.3904, -4.4861),
]
TITLES = [
    ("forum", "Forum des sciences de la mer", ["sea_coast", "biology"]),
    ("visit", "Nuit des étoiles au planétarium", ["astronomy_space"]),
    ("workshop", "Atelier robotique et programmation", ["digital", "engineering_technology"]),
    ("conference", "Conférence sur le climat et les océans", ["environment", "sea_coast"]),
    ("training", "Formation à la médiation scientifique", ["science_society"]),
    ("exhibition", "Exposition : les insectes pollinisateurs", ["biology", "environment"]),
    ("festival", "Fête de la science au muséum", ["science_society", "heritage"]),
    ("workshop", "Atelier chimie des couleurs", ["chemistry"]),
    ("conference", "Café des sciences : santé et alimentation", ["health", "agriculture_food"]),
    ("visit", "Visite du laboratoire de géologie", ["earth_sciences"]),
    ("seminar", "Séminaire esprit critique et fausses nouvelles", ["critical_thinking"]),
    ("webinar", "Webinaire énergies renouvelables", ["energy"]),
    ("workshop", "Fab lab : impression 3D pour les familles", ["digital"]),
    ("exhibition", "Exposition itinérante mathématiques", ["mathematics"]),
    ("conference", "Rencontre avec une chercheuse en physique", ["physics"]),
    ("visit", "Balade nature au parc naturel régional", ["environment", "biology"]),
    ("meeting", "Rencontre du réseau des médiathèques", ["science_society"]),
    ("forum", "Forum des métiers de l'industrie", ["industry", "engineering_technology"]),
    ("workshop", "Atelier archéologie et patrimoine", ["heritage", "human_social_sciences"]),
    ("festival", "Festival du film scientifique", ["science_society"]),
]
AUDIENCES = ["general_public", "families", "children", "teenagers", "school_groups", "students"]
FLAGS = ["hearing", "visual", "mental", "motor", "intellectual"]
STATUSES = ["scheduled"] * 16 + ["cancelled", "postponed", "full", "rescheduled"]
FIRST_DAY = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
DAYS = 3 * 365
SEARCH_WORDS = ["etoiles", "robotique", "climat", "insectes", "chimie", "geologie", "energies"]


def generated_events(
    count: int, organizers: list[uuid.UUID], seed: int = 7
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    events = []
    for index in range(count):
        kind, title, themes = rng.choice(TITLES)
        insee, city, department, region, lat, lon = rng.choice(COMMUNES)
        start = FIRST_DAY + timedelta(days=rng.randrange(DAYS), hours=rng.randrange(12))
        timings = [
            {
                "start": (start + timedelta(days=7 * k)).isoformat(),
                "end": (start + timedelta(days=7 * k, hours=2)).isoformat(),
            }
            for k in range(1 + (index % 7 == 0) * 2)
        ]
        low = rng.choice([None, 3, 6, 8, 12, 15])
        events.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "title": f"{title} à {city}",
                "summary": f"{title} : découvertes, expériences et échanges avec des chercheurs.",
                "description": (
                    f"{title}. Une proposition du réseau de culture scientifique à {city} : "
                    "accueil, démonstrations, ateliers en petits groupes, puis échanges. "
                    "Entrée libre dans la limite des places disponibles."
                ),
                "kind": kind,
                "themes": themes,
                "audiences": rng.sample(AUDIENCES, 2),
                "age": None if low is None else {"min": low, "max": low + rng.choice([4, 8, 60])},
                "accessibility": {flag: rng.random() < 0.3 for flag in FLAGS},
                "attendance_mode": "offline",
                "location": {
                    "name": f"Médiathèque de {city}",
                    "city": city,
                    "commune_insee": insee,
                    "department": department,
                    "region": region,
                    "lat": lat + rng.uniform(-0.2, 0.2),
                    "lon": lon + rng.uniform(-0.2, 0.2),
                },
                "department": department,
                "region": region,
                "timings": timings,
                "starts_at": start,
                "ends_at": datetime.fromisoformat(timings[-1]["end"]),
                "status": rng.choice(STATUSES),
                "state": "published" if rng.random() < 0.9 else rng.choice(["pending", "draft"]),
                "registration": {},
                "ext_ids": {},
                "created_at": now,
                "updated_at": now - timedelta(minutes=rng.randrange(100_000)),
                "version": 1,
                "_organizer": rng.choice(organizers),
            }
        )
    return events


async def load(url: str, events: list[dict[str, Any]], organizers: list[uuid.UUID]) -> float:
    """Write the events with their organizers, timings, search rows and tags; seconds taken."""
    engine = create_engine(url)
    started = time.perf_counter()
    async with engine.begin() as connection:
        await connection.execute(
            sa.insert(KnownActor.__table__),
            [
                {"id": a, "name": f"Acteur {i}", "status": "active", "version": 1}
                for i, a in enumerate(organizers)
            ],
        )
        for chunk_start in range(0, len(events), 2000):
            chunk = events[chunk_start : chunk_start + 2000]
            rows = [{k: v for k, v in e.items() if not k.startswith("_")} for e in chunk]
            await connection.execute(sa.insert(Event.__table__), rows)
            await connection.execute(
                sa.insert(EventOrganizer.__table__),
                [{"event_id": e["id"], "actor_id": e["_organizer"], "position": 0} for e in chunk],
            )
            await connection.execute(
                sa.insert(EventTiming.__table__),
                [
                    {
                        "event_id": e["id"],
                        "position": i,
                        "start_at": datetime.fromisoformat(t["start"]),
                        "end_at": datetime.fromisoformat(t["end"]),
                    }
                    for e in chunk
                    for i, t in enumerate(e["timings"])
                ],
            )
            await connection.execute(
                sa.insert(EventSearch.__table__), [search_values(e["id"], e) for e in chunk]
            )
            await connection.execute(
                sa.insert(EventTag.__table__),
                [row for e in chunk for row in tag_values(e["id"], e)],
            )
        await connection.execute(
            sa.text(
                "INSERT INTO event_facet_counts (facet, value, state, count) "
                "SELECT facet, value, state, count(*) FROM event_tags "
                "GROUP BY facet, value, state"
            )
        )
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            await connection.execute(sa.text("COMMIT"))
            await connection.execute(sa.text("VACUUM ANALYZE"))
    else:
        async with engine.begin() as connection:
            await connection.execute(sa.text("ANALYZE"))
    await engine.dispose()
    return time.perf_counter() - started


async def latencies(
    client: httpx.AsyncClient, urls: list[str], headers: dict[str, str] | None = None
) -> tuple[float, float, int]:
    """p50 and p95 in ms of GETting ``urls`` one at a time, and the mean items per page."""
    timings: list[float] = []
    items = 0
    for url in urls:
        started = time.perf_counter()
        response = await client.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
        items += len(response.json()["items"])
    quantiles = statistics.quantiles(timings, n=100)
    return quantiles[49], quantiles[94], items // len(urls)


def query_urls(kind: str, count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    urls = []
    for _ in range(count):
        _, _, department, _, lat, lon = rng.choice(COMMUNES)
        word = rng.choice(SEARCH_WORDS)
        month = FIRST_DAY + timedelta(days=rng.randrange(DAYS - 31))
        window = (
            f"from={quote(month.isoformat())}&to={quote((month + timedelta(days=31)).isoformat())}"
        )
        urls.append(
            {
                "q + department": f"/v1/events?q={word}&department={department}&limit=20",
                "q + from/to": f"/v1/events?q={word}&{window}&limit=20",
                "near 20 km": f"/v1/events?near={lat},{lon}&radius_km=20&limit=20",
                "q + dept + facets": f"/v1/events?q={word}&department={department}"
                "&facets=kind,theme,audience,department,status&limit=20",
                "q + facets (5 % match)": f"/v1/events?q={word}"
                "&facets=kind,theme,audience,department,status&limit=20",
                "facets, no filter": "/v1/events?facets=kind,theme,audience,department,status"
                "&limit=20",
                "plain list (baseline)": "/v1/events?limit=20",
            }[kind]
        )
    return urls


KINDS = (
    "plain list (baseline)",
    "q + department",
    "q + from/to",
    "near 20 km",
    "q + dept + facets",
    "q + facets (5 % match)",
    "facets, no filter",
)
SELECTIVE = {"q + department", "q + from/to", "near 20 km", "q + dept + facets"}


async def bench_backend(backend: str, count: int, requests: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix=f"maillage-bench-events-{backend}-"))
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'events.db'}"
    else:
        url = await create_postgres_database("maillage_bench_events")
    organizers = [uuid.UUID(int=random.Random(i).getrandbits(128), version=4) for i in range(300)]
    try:
        await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
        seconds = await load(url, generated_events(count, organizers), organizers)
        print(f"\n[{backend}] loaded {count:,} events in {seconds:.1f} s")
        options = StackOptions(
            var_dir=workdir / "var",
            environ={
                **os.environ,
                "MAILLAGE_EVENTS_DATABASE_URL": url,
                "MAILLAGE_LOG_LEVEL": "WARNING",
                # One load generator on one address would be throttled by the gateway's rate
                # limits: they are off here (bench/gateway.py measures their cost).
                "MAILLAGE_GATEWAY_RATE_LIMIT_IP_PER_MINUTE": "0",
                "MAILLAGE_GATEWAY_RATE_LIMIT_KEY_PER_MINUTE": "0",
            },
            gateway_port=0,
            prefer_default_ports=False,
        )
        async with Stack(options) as stack:
            # Signed for the whole run (the gateway signs one per request, valid a minute).
            signer = IdentitySigner(stack.identity_secret, ttl_seconds=3600)
            direct = identity_headers(signer, "anonymous")
            service_url = stack.endpoints["events"].url
            async with (
                httpx.AsyncClient(base_url=service_url, timeout=30) as service,
                httpx.AsyncClient(base_url=stack.api_url, timeout=30) as gateway,
            ):
                for kind in KINDS:  # warm up caches and connections
                    await latencies(service, query_urls(kind, 10, seed=1), direct)
                    await latencies(gateway, query_urls(kind, 10, seed=1))
                print(
                    f"[{backend}] {'query':<26}{'items':>6}"
                    f"{'svc p50':>9}{'svc p95':>9}{'gw p50':>9}{'gw p95':>9}  (ms)"
                )
                baseline = 0.0
                for kind in KINDS:
                    urls = query_urls(kind, requests)
                    p50, p95, items = await latencies(service, urls, direct)
                    g50, g95, _ = await latencies(gateway, urls)
                    if kind.startswith("plain"):
                        baseline = p95
                    flag = "  (> 30 ms)" if kind in SELECTIVE and max(p95, g95) > 30 else ""
                    ratio = f"  x{p95 / baseline:.1f} baseline p95" if baseline else ""
                    print(
                        f"[{backend}] {kind:<26}{items:>6}{p50:>9.1f}{p95:>9.1f}"
                        f"{g50:>9.1f}{g95:>9.1f}{ratio}{flag}"
                    )
    finally:
        if backend == "postgresql":
            await drop_postgres_database(url)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    for backend in args.backends:
        await bench_backend(backend, args.events, args.requests)


if __name__ == "__main__":
    asyncio.run(main())
