"""Webhook fan-out: N domain events x 3 endpoints through real NATS and the real worker.

A nats-server, a migrated gateway database (SQLite in a temp dir, or a new PostgreSQL
database with ``--postgres``), the real ``maillage-gateway worker`` process, and a receiver
process that checks every signature with the ``standardwebhooks`` reference library. The
events are published to JetStream as the services' outbox relays do (``Nats-Msg-Id`` = event
id); each carries its publish time, and the receiver notes when it arrives.

Printed: deliveries per second for a burst (first publish to last receipt) and the time from
publish to receipt, for the burst (mostly time queued behind it) and for events then paced
below capacity (``--paced-events`` at ``--rate``). Side by side in the same run: the same
receiver fed directly by a plain aiohttp client with the worker's concurrency (the ceiling
the worker could reach on this machine) and the worker's share of it; the CPU time the
worker spent per 1000 deliveries (steady where wall-clock rates swing with the machine's
load). Signatures that fail, duplicates and per-record ordering violations are counted.

On PostgreSQL the rate no longer hangs on the table's statistics (this machine's server runs
with autovacuum off; ``--analyze-seconds`` stands in for it). The worker claims due
deliveries by walking a partial index of the pending ones, with the planner's sorts off for
that query; before (an index on status and due time), a table never analyzed made the
planner test every pending delivery against the ordering rule, then sort them: 283/s
without ANALYZE against 733/s with it, now 690-987/s either way (2 cores shared, load ~3.5).

    .venv/bin/python -P bench/webhook_fanout.py                  # 10,000 events x 3 endpoints
    .venv/bin/python -P bench/webhook_fanout.py --events 2000 --postgres
    .venv/bin/python -P bench/webhook_fanout.py --records 500    # 20 changes a record: ordering
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import nats
import orjson
from aiohttp import web

ENDPOINTS = 3
TARGET_PER_SECOND = 500


# The receiver (its own process) -------------------------------------------------------------


def serve_receiver(port: int, secrets_file: Path) -> None:
    """Verify and note every delivery; ``GET /stats`` and ``GET /dump`` tell the bench."""
    from standardwebhooks import Webhook  # noqa: PLC0415 - only the receiver needs it

    secrets: dict[str, str] = orjson.loads(secrets_file.read_bytes())
    verifiers = {path: Webhook(secret) for path, secret in secrets.items()}
    received: list[tuple[str, int, float]] = []
    seen: set[tuple[str, str]] = set()
    counts = {"received": 0, "invalid": 0, "duplicates": 0}

    async def deliver(request: web.Request) -> web.Response:
        body = await request.read()
        arrived = time.time()
        path = request.path
        try:
            sent = verifiers[path].verify(body, dict(request.headers))
        except Exception:
            counts["invalid"] += 1
            return web.Response(status=400, text="bad signature")
        key = (path, request.headers["webhook-id"])
        if key in seen:
            counts["duplicates"] += 1
        else:
            seen.add(key)
            counts["received"] += 1
            received.append((path, int(sent["data"]["seq"]), arrived))
        return web.Response(text="ok")

    async def stats(_: web.Request) -> web.Response:
        return web.json_response(counts)

    async def dump(_: web.Request) -> web.Response:
        return web.Response(body=orjson.dumps(received), content_type="application/json")

    async def reset(_: web.Request) -> web.Response:
        received.clear()
        seen.clear()
        counts.update(received=0, invalid=0, duplicates=0)
        return web.json_response(counts)

    app = web.Application()
    app.router.add_get("/stats", stats)
    app.router.add_get("/dump", dump)
    app.router.add_post("/reset", reset)
    app.router.add_post("/{endpoint}", deliver)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# The bench ----------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used (Linux ``/proc``), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def latency_row(label: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"  {label:<30} p50 {percentile(ms, 0.5):8.1f} ms   p95 {percentile(ms, 0.95):8.1f} ms"
        f"   p99 {percentile(ms, 0.99):8.1f} ms   max {max(ms):8.1f} ms"
        f"   mean {statistics.fmean(ms):8.1f} ms"
    )


async def wait_http(url: str, *, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as http:
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url) as answer:
                    if answer.status == 200:
                        return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not answer")
            await asyncio.sleep(0.1)


async def receiver_stats(http: aiohttp.ClientSession, base: str) -> dict[str, int]:
    async with http.get(f"{base}/stats") as answer:
        stats: dict[str, int] = await answer.json()
        return stats


async def wait_received(
    http: aiohttp.ClientSession, base: str, expected: int, *, within: float
) -> dict[str, int]:
    deadline = time.monotonic() + within
    while True:
        stats = await receiver_stats(http, base)
        if stats["received"] >= expected or time.monotonic() > deadline:
            return stats
        await asyncio.sleep(0.1)


async def create_endpoints(database_url: str, receiver: str, secrets_key: str) -> dict[str, str]:
    """Three endpoints subscribed to ``events.*`` (as an admin would make them)."""
    from gateway.encryption import Keyring, use_keyring  # noqa: PLC0415
    from gateway.webhooks.schemas import WebhookEndpointCreate  # noqa: PLC0415
    from gateway.webhooks.service import safe_url, webhook_endpoint_service  # noqa: PLC0415
    from kit.db import Database  # noqa: PLC0415
    from kit.identity import Identity, Role  # noqa: PLC0415

    database = Database(database_url)
    use_keyring(database.engine, Keyring(keys=secrets_key))
    admin = Identity(subject="bench", role=Role.ADMIN)
    secrets: dict[str, str] = {}
    async with database.transaction() as session:
        for n in range(1, ENDPOINTS + 1):
            created = await webhook_endpoint_service.create(
                session,
                data=WebhookEndpointCreate(url=f"{receiver}/partner{n}", event_types=["events.*"]),
                identity=admin,
                url=await safe_url(f"{receiver}/partner{n}", {"127.0.0.1"}),
            )
            secrets[f"/partner{n}"] = created.secret
    await database.dispose()
    return secrets


async def publish(
    nats_url: str, events: int, records: int, *, rate: float = 0.0, first: int = 0
) -> dict[int, float]:
    """Publish ``events`` changes of ``records`` records, at ``rate`` a second (0: as fast
    as JetStream acknowledges); when each was published."""
    from kit.broker import ensure_streams  # noqa: PLC0415
    from kit.cloudevents import CloudEvent  # noqa: PLC0415

    record_ids = [str(uuid.uuid4()) for _ in range(records)]
    connection = await nats.connect(nats_url)
    published: dict[int, float] = {}
    try:
        js = connection.jetstream()
        await ensure_streams(js, ["EVENTS"])
        # Acks awaited in flights of this many, as a busy relay would (one by one if paced).
        window = 1 if rate else 256
        began = time.perf_counter()
        for start in range(first, first + events, window):
            if rate:
                await asyncio.sleep(max(0.0, began + (start - first) / rate - time.perf_counter()))
            flight = []
            for seq in range(start, min(first + events, start + window)):
                record = record_ids[seq % records]
                event = CloudEvent(
                    source="maillage/events",
                    type="events.event.updated",
                    subject=record,
                    data={"id": record, "seq": seq, "title": f"Fête de la science n°{seq}"},
                )
                published[seq] = time.time()
                flight.append(
                    js.publish(event.type, event.to_json(), headers={"Nats-Msg-Id": event.id})
                )
            await asyncio.gather(*flight)
    finally:
        await connection.close()
    return published


async def direct_ceiling(base: str, secrets: dict[str, str], total: int, concurrency: int) -> float:
    """Deliveries per second from a plain aiohttp client to the same receiver, signed the
    same way, ``concurrency`` at once: what the machine allows without queue or database."""
    from gateway.webhooks.signing import payload, signed_headers  # noqa: PLC0415

    paths = list(secrets)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(total):
        queue.put_nowait(n)

    async def sender(http: aiohttp.ClientSession) -> None:
        while True:
            try:
                n = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            path = paths[n % len(paths)]
            body = payload("events.event.updated", "2026-12-01T00:00:00Z", {"seq": n})
            headers = signed_headers([secrets[path]], f"msg_direct_{n}", int(time.time()), body)
            async with http.post(base + path, data=body, headers=headers) as answer:
                await answer.read()

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        started = time.perf_counter()
        await asyncio.gather(*(sender(http) for _ in range(concurrency)))
        return total / (time.perf_counter() - started)


async def autovacuum_note(database_url: str) -> str:
    """Whether the PostgreSQL server analyzes tables by itself (test servers often do not)."""
    import asyncpg  # noqa: PLC0415

    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        return str(await connection.fetchval("SHOW autovacuum"))
    finally:
        await connection.close()


async def analyze_every(database_url: str, seconds: float) -> None:
    """Stand in for autovacuum's ANALYZE on a server that has it off."""
    import asyncpg  # noqa: PLC0415

    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        while True:
            await asyncio.sleep(seconds)
            await connection.execute("ANALYZE webhook_deliveries")
    finally:
        await connection.close()


def ordering_violations(received: list[tuple[str, int, float]], records: int) -> int:
    """Receipts of a record's change before an earlier change of it, per endpoint."""
    last: dict[tuple[str, int], int] = {}
    violations = 0
    for path, seq, _ in sorted(received, key=lambda r: r[2]):
        key = (path, seq % records)
        if last.get(key, -1) > seq:
            violations += 1
        last[key] = max(last.get(key, -1), seq)
    return violations


async def bench(args: argparse.Namespace) -> None:
    from gateway.db import GATEWAY_ROOT  # noqa: PLC0415
    from gateway.encryption import new_key  # noqa: PLC0415
    from kit.migrations import upgrade  # noqa: PLC0415
    from kit.testing.databases import (  # noqa: PLC0415
        create_postgres_database,
        drop_postgres_database,
    )
    from kit.testing.nats import NatsServer, free_port  # noqa: PLC0415

    records = args.records or args.events
    expected = args.events * ENDPOINTS
    with tempfile.TemporaryDirectory(prefix="maillage-webhook-bench-") as tmp:
        root = Path(tmp)
        if args.postgres:
            database_url = await create_postgres_database("bench_webhooks")
        else:
            database_url = f"sqlite+aiosqlite:///{root / 'gateway.db'}"
        await asyncio.to_thread(upgrade, GATEWAY_ROOT, database_url)
        port = free_port()
        receiver = f"http://127.0.0.1:{port}"
        # The worker decrypts the endpoints' secrets with it, as in production.
        secrets_key = new_key()
        secrets = await create_endpoints(database_url, receiver, secrets_key)
        (root / "secrets.json").write_bytes(orjson.dumps(secrets))
        processes: list[asyncio.subprocess.Process] = []
        try:
            with NatsServer(root / "nats") as nats_server:
                try:
                    processes.append(
                        await asyncio.create_subprocess_exec(
                            sys.executable, __file__, "--serve-receiver", str(port), tmp
                        )
                    )
                    await wait_http(f"{receiver}/stats")
                    environment = os.environ | {
                        "MAILLAGE_GATEWAY_DATABASE_URL": database_url,
                        "MAILLAGE_GATEWAY_SECRETS_KEY": secrets_key,
                        "MAILLAGE_NATS_URL": nats_server.url,
                        "MAILLAGE_GATEWAY_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
                        "MAILLAGE_GATEWAY_WEBHOOK_CONCURRENCY": str(args.concurrency),
                        "MAILLAGE_LOG_LEVEL": "WARNING",
                    }
                    async with aiohttp.ClientSession() as http:
                        backend = "SQLite"
                        if args.postgres:
                            vacuum = await autovacuum_note(database_url)
                            backend = f"PostgreSQL (autovacuum {vacuum}; " + (
                                f"the bench runs ANALYZE every {args.analyze_seconds:g} s)"
                                if args.analyze_seconds
                                else "no ANALYZE from the bench)"
                            )
                        print(
                            f"webhook fan-out: {args.events} events x {ENDPOINTS} endpoints "
                            f"({records} records), {backend}, "
                            f"worker concurrency {args.concurrency}"
                        )
                        ceiling = await direct_ceiling(
                            receiver, secrets, min(expected, 6000), args.concurrency
                        )
                        await http.post(f"{receiver}/reset")
                        command = (
                            [sys.executable, "-c", _PROFILED_WORKER, args.profile]
                            if args.profile
                            else [str(Path(sys.executable).parent / "maillage-gateway"), "worker"]
                        )
                        processes.append(
                            await asyncio.create_subprocess_exec(*command, env=environment)
                        )
                        # Warm up: the worker has bound its consumers once one event went through.
                        await publish(nats_server.url, 1, 1)
                        warm = await wait_received(http, receiver, ENDPOINTS, within=60)
                        if warm["received"] < ENDPOINTS:
                            raise RuntimeError(f"the worker delivered nothing: {warm}")
                        await http.post(f"{receiver}/reset")
                        worker_cpu_before = cpu_seconds(processes[-1].pid)
                        receiver_cpu_before = cpu_seconds(processes[0].pid)
                        analyzer = (
                            asyncio.create_task(analyze_every(database_url, args.analyze_seconds))
                            if args.postgres and args.analyze_seconds
                            else None
                        )
                        started = time.time()
                        published = await publish(nats_server.url, args.events, records)
                        publish_seconds = time.time() - started
                        stats = await wait_received(http, receiver, expected, within=args.timeout)
                        worker_cpu = _spent(cpu_seconds(processes[-1].pid), worker_cpu_before)
                        receiver_cpu = _spent(cpu_seconds(processes[0].pid), receiver_cpu_before)
                        paced: dict[int, float] = {}
                        if args.paced_events:
                            # Below capacity: the time an event takes, not the backlog's.
                            paced = await publish(
                                nats_server.url,
                                args.paced_events,
                                args.paced_events,
                                rate=args.rate,
                                first=args.events,
                            )
                            await wait_received(
                                http,
                                receiver,
                                expected + args.paced_events * ENDPOINTS,
                                within=args.timeout,
                            )
                        if analyzer is not None:
                            analyzer.cancel()
                            await asyncio.gather(analyzer, return_exceptions=True)
                        async with http.get(f"{receiver}/dump") as answer:
                            everything = orjson.loads(await answer.read())
                finally:
                    # Before the nats-server goes (the worker would complain of it).
                    for process in processes:
                        process.terminate()
                    for process in processes:
                        await asyncio.wait_for(process.wait(), timeout=10)
        finally:
            if args.postgres:
                await drop_postgres_database(database_url)

    received = [r for r in everything if r[1] < args.events]
    if not received:
        print("  nothing was delivered")
        return
    last = max(t for _, _, t in received)
    elapsed = last - started
    rate = len(received) / elapsed
    latencies = [t - published[seq] for _, seq, t in received]
    print(f"  published {args.events} events in {publish_seconds:.2f} s")
    print(
        f"  delivered {stats['received']}/{expected} in {elapsed:.2f} s"
        f"   invalid signatures {stats['invalid']}   duplicates {stats['duplicates']}"
        f"   ordering violations {ordering_violations(received, records)}"
    )
    print(
        f"  worker                         {rate:8.0f} deliveries/s"
        f"   (target >= {TARGET_PER_SECOND}/s: {'met' if rate >= TARGET_PER_SECOND else 'MISSED'})"
    )
    print(
        f"  direct aiohttp, same receiver  {ceiling:8.0f} deliveries/s"
        f"   worker/direct {rate / ceiling:5.2f}"
    )
    print(latency_row("publish -> receipt (burst)", latencies))
    paced_received = [r for r in everything if r[1] >= args.events]
    if paced_received:
        print(
            f"  then {args.paced_events} events at {args.rate:g}/s: "
            f"{len(paced_received)}/{args.paced_events * ENDPOINTS} delivered, ordering "
            f"violations {ordering_violations(paced_received, args.paced_events)}"
        )
        print(
            latency_row(
                "publish -> receipt (paced)", [t - paced[seq] for _, seq, t in paced_received]
            )
        )
    if worker_cpu is not None and receiver_cpu is not None:
        # CPU time holds on a shared machine where wall-clock rates do not.
        per_thousand = 1000 / len(received)
        print(
            f"  CPU per 1000 deliveries: worker {worker_cpu * per_thousand:.2f} s, "
            f"receiver {receiver_cpu * per_thousand:.2f} s; worker alone on a core would "
            f"do about {len(received) / worker_cpu:.0f} deliveries/s"
        )
        print(f"  load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def _spent(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


#: The worker under cProfile, its statistics written to argv[1] when it is terminated.
_PROFILED_WORKER = """
import cProfile, signal, sys
def stop(*_): raise KeyboardInterrupt
signal.signal(signal.SIGTERM, stop)
out, sys.argv = sys.argv[1], ["maillage-gateway", "worker"]
from gateway.__main__ import main
profile = cProfile.Profile()
try:
    profile.runcall(main)
except KeyboardInterrupt:
    print("worker stopped; writing its profile", file=sys.stderr)
finally:
    profile.dump_stats(out)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=0, help="0: one record per event")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--analyze-seconds",
        type=float,
        default=0.0,
        help="PostgreSQL: ANALYZE the deliveries this often, as autovacuum would (0: never)",
    )
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--paced-events", type=int, default=1000, help="then this many at --rate (0: none)"
    )
    parser.add_argument("--rate", type=float, default=100.0, help="events a second, paced")
    parser.add_argument("--profile", metavar="FILE", help="profile the worker into FILE")
    parser.add_argument("--serve-receiver", nargs=2, metavar=("PORT", "DIR"))
    args = parser.parse_args()
    # bench/gateway.py would shadow the gateway package.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    if args.serve_receiver:
        port, directory = args.serve_receiver
        serve_receiver(int(port), Path(directory) / "secrets.json")
        return
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
