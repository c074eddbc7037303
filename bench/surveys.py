"""Surveys through the gateway: invitations mailed, responses submitted concurrently, the
form page, on SQLite and PostgreSQL one after the other, each in a whole stack of its own.

Each backend runs the real stack (`maillage run`'s processes: the four services, the
gateway and its worker, nats-server, the local SMTP sink writing .eml files), the surveys
service on that backend; every request goes through the gateway over HTTP.

1. 2,000 invitations made in one run (people by address) and mailed through the mail outbox
   to the stack's SMTP sink: time until the 2,000th message is in the sink. Target ≤ 30 s.
2. 1,000 responses by 50 concurrent clients (each: PUT a partial save, then POST submit):
   errors (any answer but 200), lost (submitted rows in the database short of 1,000), p95
   of a submission. Target: 0, 0, p95 ≤ 100 ms. Baseline in the same run, same 50 clients:
   GET /v1/responses/{token} (a read of the same link), ratio printed.

   a. Saturation (closed loop): each client sends its next request as soon as the last one
      is answered, so the run measures the most the stack takes (its throughput, printed in
      responses/s) and, by Little's law, latency ≈ 50 clients / throughput: the p95 is the
      queue in front of one surveys process, not what one person waits. Also printed: the
      surveys process's CPU time (/proc/PID/stat) per request of the phase, the figure that
      bounds its throughput.
   b. Paced (open loop): the same 50 clients answer 500 other links at 50 responses/s
      together (response i starts at i/50 s; a client free by then takes it), then read them
      at 50 reads/s: p95 of a submission and of the read at that rate, and how far the
      clients fell behind the schedule. 50/s is far above any real survey's peak: the largest
      network invites a few thousand actors, most answer over days after a mailing, and even
      all 5,000 in one hour would be 1.4 responses/s; 50/s is 180,000 an hour. So (b) is what
      a person answering feels with the stack loaded far beyond its real use, and (a) the
      ceiling: the 100 ms target is judged on (b). Held on (a), it would need about 500
      responses/s (50 clients / 0.1 s), under 2 ms of CPU per request for the clients, the
      gateway, the service and the database together on this 2-core machine.
3. The web form (GET /p/surveys/{token}) by 10 concurrent readers, 300 times: p95.
   Target ≤ 50 ms. Baseline in the same conditions: GET /v1/surveys/{id} (ratio printed).

The load average (`uptime`) is printed before and after: the machine is shared.

    .venv/bin/python -P bench/surveys.py [--invitations 2000] [--responses 1000] [--clients 50]
        [--paced 500] [--rate 50] [--backends sqlite,postgresql]
"""

# ruff: noqa: E402 - the script's own folder leaves sys.path before the imports (below)
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path, and this file (surveys.py)
# would hide the surveys package.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from typing import Any

import httpx
import sqlalchemy as sa

from kit.db import Database
from kit.testing.databases import (
    create_postgres_database,
    drop_postgres_database,
    postgres_reachable,
    sqlite_url,
)
from maillage_cli.stack import Stack, StackOptions
from surveys.responses.models import Response

SURVEY: dict[str, Any] = {
    "title": {"fr": "Enquête acteurs (banc d'essai)"},
    "sections": [
        {
            "title": {"fr": "Votre structure"},
            "questions": [
                {
                    "code": "staff",
                    "type": "integer",
                    "label": {"fr": "Salariés"},
                    "min": 0,
                    "required": True,
                },
                {"code": "member", "type": "yes_no", "label": {"fr": "Adhérent ?"}},
                {
                    "code": "since",
                    "type": "integer",
                    "label": {"fr": "Depuis"},
                    "show_if": {"q": "member", "op": "eq", "value": True},
                },
            ],
        },
        {
            "title": {"fr": "Activités"},
            "questions": [
                {
                    "code": "budget",
                    "type": "split",
                    "label": {"fr": "Budget"},
                    "choices": [
                        {"code": "a", "label": {"fr": "A"}},
                        {"code": "b", "label": {"fr": "B"}},
                    ],
                },
                {
                    "code": "nps",
                    "type": "scale",
                    "preset": "nps",
                    "label": {"fr": "NPS"},
                    "required": True,
                },
            ],
        },
    ],
}


def delivered(mail_dir: Path) -> int:
    """Messages the sink holds (its .eml files, counted without parsing them)."""
    return sum(1 for _ in mail_dir.glob("*.eml")) if mail_dir.exists() else 0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def load() -> str:
    return "load average " + ", ".join(f"{v:.2f}" for v in os.getloadavg())


async def tokens_of(admin: httpx.AsyncClient, survey_id: str) -> list[str]:
    tokens, after = [], None
    while True:
        params: dict[str, Any] = {"limit": 200} | ({"after": after} if after else {})
        page = (await admin.get(f"/v1/surveys/{survey_id}/invitations", params=params)).json()
        tokens += [i["url"].rsplit("/", 1)[1] for i in page["items"]]
        after = page["next"]
        if not after:
            return tokens


async def concurrently(
    clients: list[httpx.AsyncClient], work: list[Any], step: Any
) -> tuple[float, int]:
    """Run ``step(client, item)`` over ``work`` with every client at once; (seconds, errors)."""
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)
    errors = 0

    async def loop(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            errors += await step(client, queue.get_nowait())

    started = time.perf_counter()
    await asyncio.gather(*(loop(c) for c in clients))
    return time.perf_counter() - started, errors


async def paced(
    clients: list[httpx.AsyncClient], work: list[Any], step: Any, rate: float
) -> tuple[float, int, float]:
    """Run ``step(client, item)`` over ``work`` at ``rate`` items a second in all (item i starts
    at i / rate s, taken by whichever client is free by then): (seconds, errors, the largest
    lag behind that schedule in seconds)."""
    queue: asyncio.Queue[tuple[int, Any]] = asyncio.Queue()
    for index, item in enumerate(work):
        queue.put_nowait((index, item))
    errors, lag = 0, 0.0
    started = time.perf_counter()

    async def loop(client: httpx.AsyncClient) -> None:
        nonlocal errors, lag
        while not queue.empty():
            index, item = queue.get_nowait()
            due = started + index / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            lag = max(lag, time.perf_counter() - due)
            errors += await step(client, item)

    await asyncio.gather(*(loop(c) for c in clients))
    return time.perf_counter() - started, errors, lag


def cpu_seconds(pid: int | None) -> float:
    """A process's CPU time so far (user + system, /proc/PID/stat), in seconds."""
    if pid is None:
        return float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def bench(stack: Stack, database_url: str, args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    api = stack.api_url
    limits = httpx.Limits(max_connections=args.clients + 10)
    async with httpx.AsyncClient(
        base_url=api, headers={"Authorization": f"Bearer {stack.admin_key}"}, timeout=300
    ) as admin:
        survey = (await admin.post("/v1/surveys", json=SURVEY)).json()
        published = await admin.post(f"/v1/surveys/{survey['id']}/publish")
        assert published.status_code == 200, published.text
        tag = uuid.uuid4().hex[:6]
        people = [{"email": f"bench-{tag}-{n}@exemple.fr"} for n in range(args.invitations)]
        before = delivered(stack.mail_dir)
        started = time.perf_counter()
        run = await admin.post(
            f"/v1/surveys/{survey['id']}/invitations", json={"people": people, "dry_run": False}
        )
        figures["created_s"] = time.perf_counter() - started
        assert run.json()["created"] == args.invitations, run.text
        while delivered(stack.mail_dir) - before < args.invitations:
            await asyncio.sleep(0.2)
            if time.perf_counter() - started > 300:
                break
        figures["mailed_s"] = time.perf_counter() - started
        figures["mailed"] = delivered(stack.mail_dir) - before
        every_token = await tokens_of(admin, survey["id"])
    tokens = every_token[: args.responses]
    paced_tokens = every_token[args.responses : args.responses + args.paced]
    unanswered = every_token[-1]  # the form page of someone who has not answered yet

    answers = {"staff": 4, "member": True, "since": 2015}
    final = {"budget": {"a": 40, "b": 60}, "nps": 9}
    submits: list[float] = []
    reads: list[float] = []

    def answer_into(out: list[float]) -> Any:
        async def answer(client: httpx.AsyncClient, token: str) -> int:
            saved = await client.put(f"/v1/responses/{token}", json={"answers": answers})
            sent = time.perf_counter()
            submitted = await client.post(f"/v1/responses/{token}/submit", json={"answers": final})
            out.append(time.perf_counter() - sent)
            return (saved.status_code != 200) + (submitted.status_code != 200)

        return answer

    def read_into(out: list[float]) -> Any:
        async def read(client: httpx.AsyncClient, token: str) -> int:
            sent = time.perf_counter()
            found = await client.get(f"/v1/responses/{token}")
            out.append(time.perf_counter() - sent)
            return int(found.status_code != 200)

        return read

    surveys_pid = stack.supervisor.children["surveys"].pid
    clients = [
        httpx.AsyncClient(base_url=api, timeout=60, limits=limits) for _ in range(args.clients)
    ]
    paced_submits: list[float] = []
    paced_reads: list[float] = []
    try:
        await clients[0].get(f"/p/surveys/{unanswered}")  # warm the processes' first paths
        cpu = cpu_seconds(surveys_pid)
        figures["responses_s"], figures["errors"] = await concurrently(
            clients, tokens, answer_into(submits)
        )
        figures["cpu_ms"] = (cpu_seconds(surveys_pid) - cpu) * 1000 / (2 * len(tokens))
        cpu = cpu_seconds(surveys_pid)
        _, figures["read_errors"] = await concurrently(clients, tokens, read_into(reads))
        figures["read_cpu_ms"] = (cpu_seconds(surveys_pid) - cpu) * 1000 / len(tokens)
        figures["paced_s"], figures["paced_errors"], figures["paced_lag_s"] = await paced(
            clients, paced_tokens, answer_into(paced_submits), args.rate
        )
        _, figures["paced_read_errors"], figures["paced_read_lag_s"] = await paced(
            clients, paced_tokens, read_into(paced_reads), args.rate
        )
    finally:
        for client in clients:
            await client.aclose()
    figures["submit_p95_ms"] = p95(submits) * 1000
    figures["read_p95_ms"] = p95(reads) * 1000
    figures["paced_submit_p95_ms"] = p95(paced_submits) * 1000
    figures["paced_read_p95_ms"] = p95(paced_reads) * 1000
    database = Database(database_url)
    try:
        async with database.transaction(write=False) as session:
            # Both runs' responses: every one submitted must be there.
            figures["stored"] = await session.scalar(
                sa.select(sa.func.count()).where(
                    Response.survey_id == uuid.UUID(survey["id"]), Response.status == "submitted"
                )
            )
    finally:
        await database.dispose()

    async def timed(client: httpx.AsyncClient, path: str, n: int, out: list[float]) -> None:
        for _ in range(n):
            sent = time.perf_counter()
            answer = await client.get(path)
            out.append(time.perf_counter() - sent)
            assert answer.status_code == 200, (path, answer.status_code)

    form: list[float] = []
    baseline: list[float] = []
    async with httpx.AsyncClient(base_url=api, timeout=60) as reader:
        await asyncio.gather(
            *(timed(reader, f"/p/surveys/{unanswered}", 30, form) for _ in range(10))
        )
        await asyncio.gather(
            *(timed(reader, f"/v1/surveys/{survey['id']}", 30, baseline) for _ in range(10))
        )
    figures["form_p95_ms"] = p95(form) * 1000
    figures["api_p95_ms"] = p95(baseline) * 1000
    return figures


async def run_backend(backend: str, workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    if backend == "postgresql":
        url = await create_postgres_database("maillage_bench_surveys")
    else:
        url = sqlite_url(workdir, "surveys")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}
    environ |= {
        "MAILLAGE_SURVEYS_DATABASE_URL": url,
        "MAILLAGE_LOG_LEVEL": "WARNING",
        # The bench is one address: the gateway's per-address limit would refuse it.
        "MAILLAGE_GATEWAY_RATE_LIMIT_IP_PER_MINUTE": "0",
        "MAILLAGE_GATEWAY_RATE_LIMIT_KEY_PER_MINUTE": "0",
    }
    options = StackOptions(
        var_dir=workdir / f"var-{backend}",
        environ=environ,
        gateway_port=0,
        prefer_default_ports=False,
    )
    try:
        async with Stack(options) as stack:
            print(f"{backend}: stack up at {stack.api_url} ({load()})", flush=True)
            return await bench(stack, url, args)
    finally:
        if backend == "postgresql":
            await drop_postgres_database(url)


async def main(args: argparse.Namespace) -> None:
    print(f"start: {load()}", flush=True)
    backends = args.backends.split(",")
    if "postgresql" in backends and (why := await postgres_reachable()) is not None:
        print(f"PostgreSQL unreachable ({why}): SQLite only")
        backends.remove("postgresql")
    results = {}
    with tempfile.TemporaryDirectory(prefix="maillage-bench-") as tmp:
        for backend in backends:
            results[backend] = await run_backend(backend, Path(tmp), args)
    print(f"end: {load()}")
    print(
        f"{args.invitations} invitations mailed, {args.responses} responses by "
        f"{args.clients} clients closed-loop then {args.paced} more at {args.rate:g}/s, "
        "the form page 300 times by 10 readers, through the gateway"
    )
    total = args.responses + args.paced
    for name, f in results.items():
        print(
            f"{name:<10} invitations created {f['created_s']:5.1f} s, all {f['mailed']} mailed "
            f"{f['mailed_s']:5.1f} s (≤ 30 s) | responses {f['responses_s']:5.1f} s "
            f"({args.responses / f['responses_s']:.0f} responses/s, surveys CPU "
            f"{f['cpu_ms']:.1f} ms/request, {f['read_cpu_ms']:.1f} ms/read), errors "
            f"{f['errors']}, submitted {f['stored']}/{total}, submit p95 "
            f"{f['submit_p95_ms']:4.0f} ms (the ceiling's queue), read p95 "
            f"{f['read_p95_ms']:4.0f} ms "
            f"(errors {f['read_errors']}), ratio {f['submit_p95_ms'] / f['read_p95_ms']:.1f} | "
            f"paced {args.rate:g}/s: submit p95 {f['paced_submit_p95_ms']:4.0f} ms (≤ 100), "
            f"read p95 {f['paced_read_p95_ms']:4.0f} ms, ratio "
            f"{f['paced_submit_p95_ms'] / f['paced_read_p95_ms']:.1f}, errors "
            f"{f['paced_errors']}+{f['paced_read_errors']}, behind schedule at most "
            f"{max(f['paced_lag_s'], f['paced_read_lag_s']) * 1000:.0f} ms | "
            f"form p95 {f['form_p95_ms']:4.0f} ms (≤ 50), GET survey p95 "
            f"{f['api_p95_ms']:4.0f} ms, ratio {f['form_p95_ms'] / f['api_p95_ms']:.1f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invitations", type=int, default=2000)
    parser.add_argument("--responses", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--paced", type=int, default=500, help="responses of the paced run")
    parser.add_argument("--rate", type=float, default=50, help="the paced run's responses/s")
    parser.add_argument("--backends", default="sqlite,postgresql")
    arguments = parser.parse_args()
    if arguments.invitations <= arguments.responses + arguments.paced:
        parser.error(
            "--invitations must exceed --responses + --paced (the form is read unanswered)"
        )
    asyncio.run(main(arguments))
