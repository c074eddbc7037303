"""CORS as a browser meets it: preflights answered by the gateway, headers on answers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest

from .conftest import ADMIN_KEY, Stack

APP = "https://app.example.org"
ADMIN_APP = "https://admin.example.org"


@pytest.fixture
async def browser(
    stack: Stack, another_gateway: Callable[..., AbstractAsyncContextManager[str]]
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a gateway that lets two front-ends in."""
    async with (
        another_gateway(
            directory_url=stack.directory_url,
            cors_origins=f" {APP}, {ADMIN_APP}/ ",
            cors_max_age_seconds=900,
        ) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        yield client


def preflight(origin: str, method: str, headers: str) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": method,
        "access-control-request-headers": headers,
    }


async def test_a_listed_front_end_is_cleared_for_writes_by_the_gateway_itself(
    browser: httpx.AsyncClient,
) -> None:
    for path in ("/v1/actors", "/v1/api-keys"):
        asked = "Authorization, Content-Type, Idempotency-Key, X-Request-ID"
        response = await browser.options(path, headers=preflight(ADMIN_APP, "POST", asked))

        assert response.status_code == 204, path
        assert response.headers["access-control-allow-origin"] == ADMIN_APP
        allowed = response.headers["access-control-allow-headers"].split(", ")
        assert {"authorization", "content-type", "idempotency-key", "if-match"} <= set(allowed)
        assert "PATCH" in response.headers["access-control-allow-methods"]
        assert response.headers["access-control-max-age"] == "900"
        assert "access-control-allow-credentials" not in response.headers


async def test_preflights_outside_the_policy_are_403_problems(
    browser: httpx.AsyncClient,
) -> None:
    cases = [
        preflight("https://evil.example", "GET", "authorization"),
        preflight(APP, "GET", "authorization, x-tracking"),
        preflight(APP, "TRACE", ""),
    ]
    for headers in cases:
        response = await browser.options("/v1/actors", headers=headers)

        assert response.status_code == 403, headers
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"].endswith("/cors-refused")
        assert "access-control-allow-origin" not in response.headers
    assert "x-tracking" in (await browser.options("/v1/actors", headers=cases[1])).json()["detail"]


async def test_answers_to_a_listed_origin_let_the_page_read_them(
    browser: httpx.AsyncClient,
) -> None:
    created = await browser.post(
        "/v1/actors",
        json={"name": "Cap Sciences"},
        headers={"origin": APP, "authorization": f"Bearer {ADMIN_KEY}"},
    )
    refused = await browser.get(
        "/v1/actors", headers={"origin": APP, "authorization": "Bearer wrong"}
    )

    for response in (created, refused):
        assert response.headers["access-control-allow-origin"] == APP
        exposed = response.headers["access-control-expose-headers"].split(", ")
        assert {"etag", "location", "link", "x-request-id", "ratelimit-remaining"} <= set(exposed)
        assert "Origin" in response.headers["vary"]
    assert created.status_code == 201
    assert created.headers["etag"] == '"1"'
    assert refused.status_code == 401


async def test_other_origins_and_server_callers_get_no_cors_headers(
    browser: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    elsewhere = await browser.get("/v1/actors", headers={"origin": "https://evil.example"})
    server = await browser.get("/v1/actors")
    unconfigured = await client.options(
        "/v1/actors", headers=preflight(APP, "GET", "authorization")
    )

    assert elsewhere.status_code == server.status_code == 200
    assert "access-control-allow-origin" not in elsewhere.headers
    assert "access-control-allow-origin" not in server.headers
    assert "access-control-allow-origin" not in unconfigured.headers
