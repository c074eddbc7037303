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
