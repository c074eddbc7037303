"""Surveys: invitations mailed, responses submitted concurrently, the form page, on SQLite and
PostgreSQL side by side.

1. 2,000 invitations made in one real run (people by address) and e-mailed through the mail
   outbox to a real SMTP sink (kit.mail.sink): time until the 2,000th message is received.
   Target ≤ 30 s.
2. 1,000 responses submitted by 50 concurrent clients (each: PUT a partial save, then POST
   submit): 0 errors, 0 lost (1,000 submitted rows in the database), p95 of a submission.
   Target p95 ≤ 100 ms.
3. The web form (GET /p/surveys/{token}) by 10 concurrent readers, 300 times: p95.
   Target ≤ 50 ms. Baseline in the same conditions: GET /v1/surveys/{id} (ratio printed).

The apps run in-process over ASGI (migrated databases, a real nats-server for the outbox
relay, a real SMTP sink), not through the gateway: the figures leave out the gateway's hop.

    .venv/bin/python bench/surveys.py [--invitations 2000] [--responses 1000] [--clients 50]
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
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from typing import Any

import httpx
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from kit.identity import IdentitySigner
from kit.mail.sink import MailSink
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
from surveys.config import Settings
from surveys.main import SERVICE_ROOT, create_app
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


def delivered(sink: MailSink) -> int:
    """Messages the sink holds (its .eml files, counted without parsing them)."""
    return sum(1 for _ in sink.directory.glob("*.eml"))


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def start(stack: AsyncExitStack, name: str, url: str, nats_url: str, smtp: str) -> FastAPI:
    await asyncio.to_thread(upgrade, SERVICE_ROOT, url)
    settings = Settings(
        database_url=url,
        consumer_prefix=f"bench-{name}-{uuid.uuid4().hex[:6]}",
        schedule_check_seconds=3600,
        common=CommonSettings(nats_url=nats_url, smtp_url=smtp, mail_poll_seconds=0.2),
    )
    app = create_app(settings)
    await stack.enter_async_context(LifespanManager(app, shutdown_timeout=60))
    return app


async def tokens_of(admin: httpx.AsyncClient, survey_id: str) -> list[str]:
    tokens, after = [], None
    while True:
        params: dict[str, Any] = {"limit": 200} | ({"after": after} if after else {})
        page = (await admin.get(f"/v1/surveys/{survey_id}/invitations", params=params)).json()
        tokens += [i["url"].rsplit("/", 1)[1] for i in page["items"]]
        after = page["next"]
        if not after:
            return tokens


async def bench(
    name: str, app: FastAPI, sink: MailSink, args: argparse.Namespace
) -> dict[str, Any]:
    signer = IdentitySigner(DEV_IDENTITY_SECRET)
    figures: dict[str, Any] = {}
    async with asgi_client(app, identity_headers(signer, "admin")) as admin:
        admin.timeout = httpx.Timeout(300)
        survey = (await admin.post("/v1/surveys", json=SURVEY)).json()
        await admin.post(f"/v1/surveys/{survey['id']}/publish")
        tag = uuid.uuid4().hex[:6]
        people = [{"email": f"{name}-{tag}-{n}@exemple.fr"} for n in range(args.invitations)]
        before = delivered(sink)
        started = time.perf_counter()
        run = await admin.post(
            f"/v1/surveys/{survey['id']}/invitations", json={"people": people, "dry_run": False}
        )
        created_in = time.perf_counter() - started
        assert run.json()["created"] == args.invitations, run.text
        while delivered(sink) - before < args.invitations:
            await asyncio.sleep(0.2)
            if time.perf_counter() - started > 300:
                break
        figures["mailed_s"] = time.perf_counter() - started
        figures["created_s"] = created_in
        figures["mailed"] = delivered(sink) - before
        every_token = await tokens_of(admin, survey["id"])
        tokens = every_token[: args.responses]
        unanswered = every_token[-1]  # the form page of someone who has not answered yet

    answers = {"staff": 4, "member": True, "since": 2015}
    final = {"budget": {"a": 40, "b": 60}, "nps": 9}
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[str] = asyncio.Queue()
    for token in tokens:
        queue.put_nowait(token)

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while not queue.empty():
            token = queue.get_nowait()
            saved = await client.put(f"/v1/responses/{token}", json={"answers": answers})
            sent = time.perf_counter()
            submitted = await client.post(f"/v1/responses/{token}/submit", json={"answers": final})
            latencies.append(time.perf_counter() - sent)
            errors += (saved.status_code != 200) + (submitted.status_code != 200)

    public = identity_headers(signer, "anonymous")
    async with AsyncExitStack() as clients:
        pool = [
            await clients.enter_async_context(asgi_client(app, public)) for _ in range(args.clients)
        ]
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(c) for c in pool))
        figures["responses_s"] = time.perf_counter() - started
    figures["errors"] = errors
    figures["submit_p95_ms"] = p95(latencies) * 1000
    async with app.state.runtime.database.transaction(write=False) as session:
        figures["stored"] = await session.scalar(
            sa.select(sa.func.count()).where(
                Response.survey_id == uuid.UUID(survey["id"]), Response.status == "submitted"
            )
        )

    async def timed(client: httpx.AsyncClient, path: str, n: int, out: list[float]) -> None:
        for _ in range(n):
            sent = time.perf_counter()
            answer = await client.get(path)
            out.append(time.perf_counter() - sent)
            assert answer.status_code == 200, answer.status_code

    form, api = [], []
    async with asgi_client(app, public) as reader:
        await asyncio.gather(
            *(timed(reader, f"/p/surveys/{unanswered}", 30, form) for _ in range(10))
        )
        await asyncio.gather(
            *(timed(reader, f"/v1/surveys/{survey['id']}", 30, api) for _ in range(10))
        )
    figures["form_p95_ms"] = p95(form) * 1000
    figures["api_p95_ms"] = p95(api) * 1000
    return figures


async def main(args: argparse.Namespace) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="maillage-bench-") as tmp,
        NatsServer(Path(tmp) / "nats") as nats_server,
    ):
        async with AsyncExitStack() as stack:
            sink = await stack.enter_async_context(MailSink(Path(tmp) / "mail"))
            backends = [("sqlite", sqlite_url(Path(tmp), "surveys"))]
            why = await postgres_reachable()
            if why is None:
                url = await create_postgres_database("maillage_bench_surveys")
                stack.push_async_callback(drop_postgres_database, url)
                backends.append(("postgresql", url))
            else:
                print(f"PostgreSQL unreachable ({why}): SQLite only")
            results = {}
            for name, url in backends:
                app = await start(stack, name, url, nats_server.url, sink.url)
                results[name] = await bench(name, app, sink, args)
    print(
        f"{args.invitations} invitations mailed, {args.responses} responses by "
        f"{args.clients} clients, the form page 300 times by 10 readers"
    )
    for name, f in results.items():
        print(
            f"{name:<10} invitations created {f['created_s']:6.1f} s, all {f['mailed']} mailed "
            f"{f['mailed_s']:6.1f} s (target ≤ 30 s) | responses {f['responses_s']:5.1f} s, "
            f"errors {f['errors']}, submitted {f['stored']}/{args.responses}, submit p95 "
            f"{f['submit_p95_ms']:5.0f} ms (≤ 100) | form p95 {f['form_p95_ms']:5.0f} ms (≤ 50), "
            f"GET survey p95 {f['api_p95_ms']:5.0f} ms, "
            f"ratio {f['form_p95_ms'] / f['api_p95_ms']:.1f}"
        )
    if len(results) == 2:
        s, p = results["sqlite"], results["postgresql"]
        print(
            f"postgresql/sqlite: mailed {p['mailed_s'] / s['mailed_s']:.2f}, submit p95 "
            f"{p['submit_p95_ms'] / s['submit_p95_ms']:.2f}, form p95 "
            f"{p['form_p95_ms'] / s['form_p95_ms']:.2f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invitations", type=int, default=2000)
    parser.add_argument("--responses", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=50)
    asyncio.run(main(parser.parse_args()))
