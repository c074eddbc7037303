"""``maillage run`` as a newcomer uses it: first start loads the demo data, Ctrl-C stops
everything, and a second start finds the same data without loading the demo data again. The
gateway's worker runs too: a webhook endpoint on this machine receives a signed delivery."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from standardwebhooks.webhooks import Webhook

from kit.testing.nats import free_port
from maillage_cli.api import Api
from maillage_cli.demo_data import ACTORS, EVENTS

pytestmark = pytest.mark.e2e

READY_LINE = "Ctrl-C stops everything."


class RunningCli:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def wait_for(self, text: str, *, within: float) -> None:
        async def read() -> None:
            assert self.process.stdout is not None
            while True:
                raw = await self.process.stdout.readline()
                if not raw:
                    raise AssertionError("maillage run exited:\n" + "\n".join(self.lines))
                self.lines.append(raw.decode().rstrip())
                if text in self.lines[-1]:
                    return

        await asyncio.wait_for(read(), timeout=within)

    async def interrupt(self, *, delivered_twice: bool = False) -> int:
        """Ctrl-C, then the rest of the output and the exit code. ``delivered_twice``: the
        signal arrives twice in a row, as through `uv run` (the terminal signals the whole
        foreground group and uv forwards it once more)."""
        self.process.send_signal(signal.SIGINT)
        if delivered_twice:
            await asyncio.sleep(0.05)
            self.process.send_signal(signal.SIGINT)
        assert self.process.stdout is not None
        rest, _ = await asyncio.wait_for(self.process.communicate(), timeout=60)
        self.lines += rest.decode().splitlines()
        return await self.process.wait()


async def start(var_dir: Path, port: int, environ: dict[str, str]) -> RunningCli:
    environ = environ | {"MAILLAGE_GATEWAY_PORT": str(port)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "maillage_cli",
        "run",
        "--var-dir",
        str(var_dir),
        "--quiet",
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    cli = RunningCli(process)
    try:
        await cli.wait_for(READY_LINE, within=180)
    except BaseException:
        process.kill()
        await process.wait()
        raise
    return cli


@contextlib.asynccontextmanager
async def webhook_receiver() -> AsyncIterator[
    tuple[str, asyncio.Queue[tuple[dict[str, str], bytes]]]
]:
    """A partner's endpoint on this machine: yields its URL and the requests it receives."""
    received: asyncio.Queue[tuple[dict[str, str], bytes]] = asyncio.Queue()

    async def receive(request: web.Request) -> web.Response:
        await received.put((dict(request.headers), await request.read()))
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hooks", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/hooks", received
    finally:
        await runner.cleanup()


async def delivery_of(
    received: asyncio.Queue[tuple[dict[str, str], bytes]],
    secret: str,
    event_type: str,
    record_id: str,
) -> dict[str, Any]:
    """The delivery of ``event_type`` about ``record_id``, every delivery's signature checked
    by the reference library (demo actors may come first if the worker started late)."""

    async def wait() -> dict[str, Any]:
        while True:
            headers, body = await received.get()
            payload: dict[str, Any] = Webhook(secret).verify(body, headers)
            if payload["type"] == event_type and payload["data"].get("id") == record_id:
                return payload

    return await asyncio.wait_for(wait(), timeout=90)


async def everything(api: Api, path: str) -> list[dict[str, Any]]:
    response = await api.http.get(path, params={"limit": 200})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_state_survives_a_restart_and_demo_data_is_loaded_once(
    tmp_path: Path, clean_environ: dict[str, str]
) -> None:
    var_dir = tmp_path / "var"
    port = free_port()

    first = await start(var_dir, port, clean_environ)
    output = "\n".join(first.lines)
    assert "Demo data: 15 actors created" in output
    assert f"http://127.0.0.1:{port}/docs" in output
    assert f"kept in {var_dir.resolve()}/mail/" in output  # where mail goes, and how to read it
    assert "maillage mail list" in output
    admin_key = (var_dir / "admin-key").read_text().strip()
    assert admin_key in output
    # The command line finds this stack without being told its address.
    assert (var_dir / "api-url").read_text().strip() == f"http://127.0.0.1:{port}"
    assert "http://localhost:5173" in output  # browser origins allowed, and said
    async with (
        Api(f"http://127.0.0.1:{port}", admin_key) as api,
        webhook_receiver() as (receiver_url, received),
    ):
        actors = {a["name"] for a in await everything(api, "/v1/actors")}
        assert actors == {a.name for a in ACTORS}
        # A local receiver is allowed in the embedded run (over http, on loopback).
        endpoint = await api.http.post(
            "/v1/webhooks/endpoints",
            json={"url": receiver_url, "event_types": ["directory.actor.*"]},
        )
        assert endpoint.status_code == 201, endpoint.text
        added = await api.create_actor(
            {"kind": "organisation", "name": "Science Animation", "circle": 1}
        )
        # The worker consumed the event from NATS and delivered it, signed.
        delivered = await delivery_of(
            received, endpoint.json()["secret"], "directory.actor.created", added.id
        )
        assert delivered["data"]["name"] == "Science Animation"
    assert await first.interrupt(delivered_twice=True) == 0
    assert "Stopped." in first.lines
    # One Ctrl-C, even delivered twice, is a graceful stop, not "kill everything now".
    assert not any("Killing every process" in line for line in first.lines)
    assert not (var_dir / "api-url").exists()

    second = await start(var_dir, port, clean_environ)
    try:
        assert not any("Loading demo data" in line for line in second.lines)
        async with Api(f"http://127.0.0.1:{port}", admin_key) as api:
            names = {a["name"] for a in await everything(api, "/v1/actors")}
            assert names == actors | {"Science Animation"}
            assert (await api.get_actor(added.id)).body["name"] == "Science Animation"
            titles = [e["title"] for e in await everything(api, "/v1/events")]
            assert sorted(titles) == sorted(e.title for e in EVENTS)
    finally:
        assert await second.interrupt() == 0
    assert list(var_dir.glob("*.db")), "SQLite files live under var/"
    assert (var_dir / "nats").is_dir()
