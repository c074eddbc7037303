"""A service that is down: 502s, then 503 at once, then back to normal once it is up."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
from fastapi import APIRouter

from kit.testing.apps import served
from kit.testing.nats import free_port

from .conftest import Stack, fake_service


def surveys_app() -> Any:
    router = APIRouter()

    @router.get("/v1/surveys/{survey_id}")
    async def read_survey(survey_id: str) -> dict[str, str]:
        return {"id": survey_id}

    return fake_service("surveys", router)


async def test_a_down_service_is_refused_at_once_until_a_probe_finds_it_back(
    stack: Stack, another_gateway: Callable[..., AbstractAsyncContextManager[str]]
) -> None:
    surveys_port = free_port()
    async with (
        another_gateway(
            directory_url=stack.directory_url,
            surveys_url=f"http://127.0.0.1:{surveys_port}",
            circuit_failure_threshold=2,
            circuit_cooldown_seconds=0.5,
        ) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        failed = [await client.get("/v1/surveys/s1") for _ in range(2)]
        started = time.monotonic()
        refused = await client.get("/v1/surveys/s1", headers={"x-request-id": "breaker-1"})
        refused_in = time.monotonic() - started
        other_service = await client.get("/v1/actors")

        assert [f.status_code for f in failed] == [502, 502]
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["x-request-id"] == "breaker-1"
        assert refused.json()["service"] == "surveys"
        assert refused_in < 0.2
        assert other_service.status_code == 200

        async with served(surveys_app(), port=surveys_port):
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 10
            while (answer := await client.get("/v1/surveys/s1")).status_code != 200:
                assert answer.status_code == 503
                assert loop.time() < deadline, "the breaker never let a probe through"
                await asyncio.sleep(0.05)
            assert answer.json() == {"id": "s1"}
            assert (await client.get("/v1/surveys/s2")).status_code == 200


async def test_a_restarted_service_is_called_again_as_soon_as_it_is_ready(
    stack: Stack, another_gateway: Callable[..., AbstractAsyncContextManager[str]]
) -> None:
    """With the default 10 s cool-down, callers got 503s for about 12 s after a service
    restarted in half a second: the breaker waited its whole cool-down before probing."""
    surveys_port = free_port()
    async with (
        another_gateway(
            directory_url=stack.directory_url,
            surveys_url=f"http://127.0.0.1:{surveys_port}",
            circuit_failure_threshold=2,
            circuit_cooldown_seconds=10,
        ) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        loop = asyncio.get_running_loop()
        down_until = loop.time() + 3  # long enough for the probes to back off
        while loop.time() < down_until:
            assert (await client.get("/v1/surveys/s1")).status_code in (502, 503)
            await asyncio.sleep(0.05)
        async with served(surveys_app(), port=surveys_port):
            back_at = loop.time()
            while (answer := await client.get("/v1/surveys/s1")).status_code != 200:
                assert answer.status_code == 503
                assert loop.time() - back_at < 10, "the breaker never let a probe through"
                await asyncio.sleep(0.05)
            unavailable_for = loop.time() - back_at
    assert unavailable_for < 1.0, f"503s for {unavailable_for:.1f} s after the service was up"
