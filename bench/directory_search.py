"""Directory search at network scale: 100,000 generated actors, through the gateway.

For SQLite and PostgreSQL in turn: loads the actors straight into a fresh, migrated database
(the same search terms and tags the service writes), starts the whole stack on free ports
with that database, then measures p50/p95 latency of

* ``q`` + two filters + facets (a selective query, as a user types it),
* a ``near=`` 20 km map query,
* a plain filtered list (the baseline: no full text, no facets),

one request at a time and at 8 concurrent connections, and the directory's resident memory
at rest and under the search load. Target: p95 ≤ 30 ms for the selective queries.

Then it imports a 10,000-row CSV through the gateway (``POST /v1/imports``, for real) while
a reader keeps searching, and prints the import time (target ≤ 20 s) and the readers' p95
during the import beside their p95 at rest.

    .venv/bin/python -P bench/directory_search.py [--actors 100000] [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from directory.actors.fulltext import terms
from directory.actors.models import Actor, ActorSearch, ActorTag
from directory.actors.tags import TAG_FIELDS
from directory.main import SERVICE_ROOT
from kit.db import create_engine
from kit.migrations import upgrade
from kit.normalize import fold
from kit.testing.databases import create_postgres_database, drop_postgres_database
from maillage_cli.stack import Stack, StackOptions

COMMUNES = [
    ("31555", "Toulouse", 43.6045, 1.4440),
    ("34172", "Montpellier", 43.6108, 3.8767),
    ("75056", "Paris", 48.8566, 2.3522),
    ("69123", "Lyon", 45.7640, 4.8357),
    ("13055", "Marseille", 43.2965, 5.3698),
    ("33063", "Bordeaux", 44.8378, -0.5792),
    ("59350", "Lille", 50.6292, 3.0573),
    ("44109", "Nantes", 47.2184, -1.5536),
    ("67482", "Strasbourg", 48.5734, 7.7521),
    ("06088", "Nice", 43.7102, 7.2620),
    ("35238", "Rennes", 48.1173, -1.6778),
    ("38185", "Grenoble", 45.1885, 5.7245),
    ("21231", "Dijon", 47.3220, 5.0415),
    ("63113", "Clermont-Ferrand", 45.7772, 3.0870),
    ("80021", "Amiens", 49.8941, 2.2958),
    ("76540", "Rouen", 49.4432, 1.0999),
    ("14118", "Caen", 49.1829, -0.3707),
    ("2A004", "Ajaccio", 41.9192, 8.7386),
    ("66136", "Perpignan", 42.6887, 2.8948),
    ("30189", "Nîmes", 43.8367, 4.3601),
    ("81004", "Albi", 43.9289, 2.1464),
    ("12202", "Rodez", 44.3506, 2.5750),
    ("46042", "Cahors", 44.4475, 1.4419),
    ("65440", "Tarbes", 43.2328, 0.0781),
    ("09122", "Foix", 42.9653, 1.6071),
    ("82121", "Montauban", 44.0176, 1.3550),
    ("11069", "Carcassonne", 43.2130, 2.3491),
    ("87085", "Limoges", 45.8336, 1.2611),
    ("86194", "Poitiers", 46.5802, 0.3404),
    ("45234", "Orléans", 47.9030, 1.9093),
    ("29019", "Brest", 48.3904, -4.4861),
    ("57463", "Metz", 49.1193, 6.1757),
    ("51454", "Reims", 49.2583, 4.0317),
    ("25056", "Besançon", 47.2378, 6.0241),
    ("97411", "Saint-Denis", -20.8823, 55.4504),
]
KINDS = [
    ("Musée", ["museum"]),
    ("Muséum", ["natural_history_museum", "museum"]),
    ("Médiathèque", ["library"]),
    ("Association", ["association"]),
    ("Centre de sciences", ["science_centre"]),
    ("Laboratoire", ["laboratory", "research_organisation"]),
    ("Fab lab", ["fablab"]),
    ("Planétarium", ["planetarium"]),
    ("Centre de loisirs", ["leisure_centre"]),
    ("Parc naturel", ["natural_park"]),
    ("Université", ["university"]),
    ("Collège", ["school"]),
]
WORDS = [
    "des sciences",
    "de la mer",
    "des étoiles",
    "du numérique",
    "de l'eau",
    "de la Terre",
    "des curieux",
    "d'histoire naturelle",
    "de la vie",
    "des énergies",
    "du patrimoine",
]
THEMES = [
    "astronomy_space",
    "biology",
    "chemistry",
    "physics",
    "digital",
    "environment",
    "health",
    "earth_sciences",
    "heritage",
    "energy",
    "sea_coast",
    "critical_thinking",
]
AUDIENCES = ["general_public", "families", "children", "school_groups", "students", "teachers"]
REGION = {
    "31": "76",
    "34": "76",
    "75": "11",
    "69": "84",
    "13": "93",
    "33": "75",
    "59": "32",
    "44": "52",
    "67": "44",
    "06": "93",
    "35": "53",
    "38": "84",
    "21": "27",
    "63": "84",
    "80": "32",
    "76": "28",
    "14": "28",
    "2A": "94",
    "66": "76",
    "30": "76",
    "81": "76",
    "12": "76",
    "46": "76",
    "65": "76",
    "09": "76",
    "82": "76",
    "11": "76",
    "87": "75",
    "86": "75",
    "45": "24",
    "29": "53",
    "57": "44",
    "51": "44",
    "25": "27",
    "974": "04",
}


def generated_actors(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    actors = []
    for index in range(count):
        insee, city, lat, lon = rng.choice(COMMUNES)
        prefix, types = rng.choice(KINDS)
        department = insee[:3] if insee.startswith("97") else insee[:2]
        name = f"{prefix} {rng.choice(WORDS)} de {city} {index}"
        actors.append(
            {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                "kind": "organisation",
                "name": name,
                "name_key": fold(name),
                "types": types,
                "circle": rng.choice([1, 2, 3]),
                "themes": rng.sample(THEMES, 2),
                "audiences": rng.sample(AUDIENCES, 2),
                "clubs": [],
                "description": f"{prefix} {rng.choice(WORDS)} à {city}, médiation scientifique.",
                "city": city,
                "commune_insee": insee,
                "department": department,
                "region": REGION[department],
                "lat": lat + rng.uniform(-0.15, 0.15),
                "lon": lon + rng.uniform(-0.15, 0.15),
                "contacts": [],
                "ext_ids": {},
                "member": rng.random() < 0.3,
                "status": "active",
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
    return actors


async def load(url: str, actors: list[dict[str, Any]]) -> float:
    """Write the actors, their search terms and tags; return the seconds it took."""
    engine = create_engine(url)
    started = time.perf_counter()
    async with engine.begin() as connection:
        for chunk_start in range(0, len(actors), 2000):
            chunk = actors[chunk_start : chunk_start + 2000]
            await connection.execute(sa.insert(Actor.__table__), chunk)
            await connection.execute(
                sa.insert(ActorSearch.__table__),
                [
                    {
                        "actor_id": a["id"],
                        "name_terms": " ".join(terms(a["name"])),
                        "other_terms": " ".join(terms(a["city"]) + terms(a["description"])),
                    }
                    for a in chunk
                ],
            )
            await connection.execute(
                sa.insert(ActorTag.__table__),
                [
                    {"actor_id": a["id"], "facet": facet, "value": value}
                    for a in chunk
                    for facet, field in TAG_FIELDS.items()
                    for value in a[field]
                ],
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


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def latencies(
    client: httpx.AsyncClient, urls: list[str], concurrency: int
) -> tuple[float, float, float]:
    """p50 and p95 in ms, and requests per second, of GETting ``urls``."""
    queue = list(urls)
    timings: list[float] = []

    async def worker() -> None:
        while queue:
            url = queue.pop()
            started = time.perf_counter()
            response = await client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code} {response.text[:200]}")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(timings, n=100)
    return quantiles[49], quantiles[94], len(timings) / elapsed


def query_urls(kind: str, count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    urls = []
    for _ in range(count):
        insee, city, lat, lon = rng.choice(COMMUNES)
        department = insee[:3] if insee.startswith("97") else insee[:2]
        if kind == "search":
            word = rng.choice(["musee", "etoiles", "mediatheque", "planetarium", "numerique"])
            urls.append(
                f"/v1/actors?q={word} {city}&department={department}&circle={rng.choice([1, 2])}"
                "&facets=type,circle,theme&limit=20"
            )
        elif kind == "near":
            urls.append(f"/v1/actors?near={lat},{lon}&radius_km=20&sort=distance&limit=20")
        else:
            urls.append(f"/v1/actors?department={department}&type=museum&limit=20")
    return urls


async def bench_backend(backend: str, actors: list[dict[str, Any]], requests: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix=f"maillage-bench-{backend}-"))
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{workdir / 'directory.db'}"
    else:
        url = await create_postgres_database("maillage_bench_directory")
    try:
        await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
        seconds = await load(url, actors)
        print(f"\n[{backend}] loaded {len(actors):,} actors in {seconds:.1f} s")
        options = StackOptions(
            var_dir=workdir / "var",
            environ={
                **os.environ,
                "MAILLAGE_DIRECTORY_DATABASE_URL": url,
                "MAILLAGE_LOG_LEVEL": "WARNING",
                # Imports run in their own process, as in production, not in the API's loop.
                "MAILLAGE_DIRECTORY_RUN_WORKERS": "false",
                # One load generator on one address would be throttled by the gateway's rate
                # limits: they are off here (bench/gateway.py measures their cost).
                "MAILLAGE_GATEWAY_RATE_LIMIT_IP_PER_MINUTE": "0",
                "MAILLAGE_GATEWAY_RATE_LIMIT_KEY_PER_MINUTE": "0",
            },
            gateway_port=0,
            prefer_default_ports=False,
        )
        async with Stack(options) as stack:
            worker = await asyncio.create_subprocess_exec(
                str(Path(sys.executable).parent / "maillage-directory"),
                "worker",
                env=stack.environment(),
            )
            pid = stack.supervisor.children["directory"].pid
            assert pid is not None
            async with httpx.AsyncClient(base_url=stack.api_url, timeout=30) as client:
                await latencies(client, query_urls("search", 50, seed=1), 4)  # warm up
                rest = rss_mb(pid)
                print(f"[{backend}] directory RSS at rest: {rest:.0f} MB")
                print(f"[{backend}] {'query':<26}{'conc':>5}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}")
                peak = rest
                for kind in ("search", "near", "filtered list"):
                    for concurrency in (1, 8):
                        p50, p95, rps = await latencies(
                            client, query_urls(kind, requests), concurrency
                        )
                        peak = max(peak, rss_mb(pid))
                        flag = "" if kind == "filtered list" or p95 <= 30 else "  (> 30 ms)"
                        print(
                            f"[{backend}] {kind:<26}{concurrency:>5}{p50:>9.1f}{p95:>9.1f}"
                            f"{rps:>9.0f}{flag}"
                        )
                print(f"[{backend}] directory RSS under search load: {peak:.0f} MB")
                try:
                    await bench_import(backend, client, stack.admin_key)
                finally:
                    worker.terminate()
                    await asyncio.wait_for(worker.wait(), timeout=10)
    finally:
        if backend == "postgresql":
            await drop_postgres_database(url)


def import_csv(rows: int, seed: int = 99) -> bytes:
    rng = random.Random(seed)
    lines = ["nom;type de structure;cercle;code insee;identifiant;description"]
    for index in range(rows):
        insee, city, _, _ = rng.choice(COMMUNES)
        prefix, types = rng.choice(KINDS)
        lines.append(
            f"{prefix} importé {index} de {city};{'|'.join(types)};{rng.choice([1, 2, 3])};"
            f"{insee};imp-{index};Structure importée {rng.choice(WORDS)}"
        )
    return ("\n".join(lines) + "\n").encode()


async def bench_import(backend: str, client: httpx.AsyncClient, admin_key: str) -> None:
    reads = query_urls("search", 400, seed=5)
    _, rest_p95, _ = await latencies(client, reads[:100], 1)
    content = import_csv(10_000)
    started = time.perf_counter()
    response = await client.post(
        "/v1/imports",
        content=content,
        params={"dry_run": "false", "source": "bench"},
        headers={"Authorization": f"Bearer {admin_key}", "Content-Type": "text/csv"},
    )
    if response.status_code != 202:
        raise RuntimeError(f"import refused: {response.status_code} {response.text[:300]}")
    job_url = f"/v1/imports/{response.json()['id']}"
    timings: list[float] = []
    job: dict[str, Any] = {}
    index = 0
    while True:
        began = time.perf_counter()
        await client.get(reads[index % len(reads)])
        timings.append((time.perf_counter() - began) * 1000)
        index += 1
        if index % 10 == 0:
            job = (
                await client.get(job_url, headers={"Authorization": f"Bearer {admin_key}"})
            ).json()
            if job["status"] in ("done", "failed"):
                break
    elapsed = time.perf_counter() - started
    during_p95 = statistics.quantiles(timings, n=100)[94] if len(timings) > 1 else float("nan")
    flag = "" if elapsed <= 20 else "  (> 20 s)"
    print(
        f"[{backend}] import of 10,000 rows: {elapsed:.1f} s{flag} ({job.get('created_count')}"
        f" created, {job.get('failed_count')} failed, status {job.get('status')})"
    )
    print(
        f"[{backend}] search p95 during the import: {during_p95:.1f} ms over {len(timings)} reads"
        f" (at rest: {rest_p95:.1f} ms, ratio {during_p95 / rest_p95:.1f}x)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--actors", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    actors = generated_actors(args.actors)
    for backend in args.backends:
        await bench_backend(backend, actors, args.requests)


if __name__ == "__main__":
    asyncio.run(main())
