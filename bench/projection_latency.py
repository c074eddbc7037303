"""How long until an actor's new name shows on its events, through the gateway.

For each of N renames: the time from ``PATCH /v1/actors/{id}`` returning to the first
``GET /v1/events/{id}`` that shows the new organizer name (outbox → relay → JetStream →
events consumer → projection → API). Printed beside the plain round trips of the same run
(a GET of the event, the PATCH itself), because on a shared machine ratios hold where
absolute times do not.

    make bench                                   # starts its own stack in a temp dir
    .venv/bin/python -P bench/projection_latency.py --changes 50
    .venv/bin/python -P bench/projection_latency.py --api-url http://127.0.0.1:8000 --admin-key KEY
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from maillage_cli.api import Api
from maillage_cli.stack import Stack, StackOptions

POLL_INTERVAL = 0.002


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def row(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"  {label:<34} p50 {percentile(ms, 0.5):8.1f} ms   p95 {percentile(ms, 0.95):8.1f} ms"
        f"   max {max(ms):8.1f} ms   mean {statistics.fmean(ms):8.1f} ms"
    )


async def measure(api: Api, changes: int) -> None:
    suffix = os.urandom(3).hex()
    actor = await api.create_actor(
        {
            "kind": "organisation",
            "name": f"Carrefour des Sciences et des Arts {suffix}",
            "types": ["association"],
            "circle": 1,
            "address": {"city": "Cahors", "postcode": "46000", "commune_insee": "46042"},
        }
    )
    event_body: dict[str, Any] = {
        "title": f"Forum lotois de la culture, de la médiation et de la CSTI {suffix}",
        "kind": "forum",
        "organizer_ids": [actor.id],
        "timings": [{"start": "2027-03-12T09:00:00+01:00", "end": "2027-03-12T17:30:00+01:00"}],
        "attendance_mode": "offline",
        "location": {"name": "Espace Clément Marot", "city": "Cahors", "postcode": "46000"},
    }
    event = await api.create_event(event_body)

    propagation: list[float] = []
    patch_round_trips: list[float] = []
    get_round_trips: list[float] = []
    polls = 0
    etag = actor.etag
    for i in range(1, changes + 1):
        name = f"Carrefour des Sciences et des Arts {suffix} #{i}"
        sent = time.perf_counter()
        etag = (await api.update_actor(actor.id, {"name": name}, etag)).etag
        returned = time.perf_counter()
        patch_round_trips.append(returned - sent)
        while True:
            asked = time.perf_counter()
            names = await api.organizer_names(event.id)
            get_round_trips.append(time.perf_counter() - asked)
            polls += 1
            if name in names:
                propagation.append(time.perf_counter() - returned)
                break
            await asyncio.sleep(POLL_INTERVAL)

    p50_get = percentile(get_round_trips, 0.5)
    print(f"Projection latency through the gateway, {changes} renames of one actor")
    print(row("PATCH returned → GET shows name", propagation))
    print(row("PATCH /v1/actors/{id} round trip", patch_round_trips))
    print(row("GET /v1/events/{id} round trip", get_round_trips))
    print(
        f"  ratio p50 propagation / p50 GET: {percentile(propagation, 0.5) / p50_get:5.1f}x; "
        f"{polls / changes:.1f} GETs per rename"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--api-url", help="an already running gateway (default: start a stack)")
    parser.add_argument("--admin-key", default=os.environ.get("MAILLAGE_ADMIN_KEY"))
    args = parser.parse_args()

    if args.api_url:
        async with Api(args.api_url, args.admin_key) as api:
            await measure(api, args.changes)
        return
    with tempfile.TemporaryDirectory(prefix="maillage-bench-") as var_dir:
        environ = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}
        options = StackOptions(
            var_dir=Path(var_dir), environ=environ, gateway_port=0, prefer_default_ports=False
        )
        started = time.perf_counter()
        async with Stack(options) as stack:
            print(f"Stack ready in {time.perf_counter() - started:.1f}s at {stack.api_url}")
            async with Api(stack.api_url, stack.admin_key) as api:
                await measure(api, args.changes)


if __name__ == "__main__":
    asyncio.run(main())
