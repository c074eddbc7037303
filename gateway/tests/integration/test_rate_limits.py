"""Rate limits as callers meet them, through a real gateway."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx

from .conftest import ADMIN_KEY, Stack
from .test_partner_inbox import new_slug, push_body, register, signed

LimitedGateway = Callable[..., AbstractAsyncContextManager[str]]


def routes(stack: Stack) -> dict[str, str]:
    return {"directory_url": stack.directory_url, "eu_watch_url": stack.eu_watch_url}


async def test_anonymous_callers_get_their_burst_then_a_429_problem(
    stack: Stack, another_gateway: LimitedGateway
) -> None:
    async with (
        another_gateway(**routes(stack), rate_limit_ip_per_minute=6, rate_limit_ip_burst=3) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        answers = [await client.get("/v1/actors/a1") for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a.headers["ratelimit-limit"] for a in answers} == {"3"}
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/too-many-requests")
    assert refused.headers["retry-after"] == "10"  # a token every 10 s
    assert int(refused.headers["ratelimit-reset"]) == 30
    assert refused.headers["x-request-id"]


async def test_anonymous_registrations_are_limited_per_address(
    stack: Stack, another_gateway: LimitedGateway
) -> None:
    async with (
        another_gateway(
            **routes(stack),
            events_url=stack.events_url,
            rate_limit_ip_per_minute=6,
            rate_limit_ip_burst=2,
        ) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        answers = [await client.post("/v1/events/e1/registrations", json={}) for _ in range(3)]

    assert [a.status_code for a in answers] == [201, 201, 429]


async def test_each_key_has_its_own_bucket_apart_from_anonymous_traffic(
    stack: Stack, another_gateway: LimitedGateway
) -> None:
    admin = {"authorization": f"Bearer {ADMIN_KEY}"}
    async with (
        another_gateway(
            **routes(stack),
            rate_limit_key_per_minute=60,
            rate_limit_key_burst=2,
            rate_limit_ip_per_minute=60,
            rate_limit_ip_burst=2,
        ) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        created = await client.post(
            "/v1/api-keys", json={"name": "k", "role": "reader"}, headers=admin
        )
        reader = {"authorization": f"Bearer {created.json()['key']}"}

        by_reader = [(await client.get("/v1/actors", headers=reader)).status_code for _ in range(3)]
        # Creating the key took one of the admin key's two tokens.
        by_admin = [
            (await client.post("/v1/actors", json={}, headers=admin)).status_code for _ in range(2)
        ]
        anonymous = [(await client.get("/v1/actors")).status_code for _ in range(3)]

    assert by_reader == [200, 200, 429]
    assert by_admin == [201, 429]
    assert anonymous == [200, 200, 429]


async def test_failed_authentications_are_charged_to_the_address(
    stack: Stack, another_gateway: LimitedGateway
) -> None:
    async with (
        another_gateway(**routes(stack), rate_limit_ip_per_minute=60, rate_limit_ip_burst=2) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        guesses = [
            (await client.get("/v1/actors", headers={"authorization": f"Bearer guess-{n}"}))
            for n in range(3)
        ]
        anonymous = await client.get("/v1/actors")

    assert [g.status_code for g in guesses] == [401, 401, 429]
    assert anonymous.status_code == 429


async def test_a_rate_of_zero_turns_the_limit_off(
    stack: Stack, another_gateway: LimitedGateway
) -> None:
    async with (
        another_gateway(**routes(stack), rate_limit_ip_per_minute=0, rate_limit_ip_burst=1) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        answers = [await client.get("/v1/actors") for _ in range(5)]

    assert {a.status_code for a in answers} == {200}
    assert all("ratelimit-limit" not in a.headers for a in answers)


async def test_guessing_keys_on_the_gateways_own_routes_is_limited_too(
    stack: Stack, another_gateway: LimitedGateway
) -> None:
    async with (
        another_gateway(**routes(stack), rate_limit_ip_per_minute=60, rate_limit_ip_burst=2) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        guesses = [
            await client.get("/v1/api-keys", headers={"authorization": f"Bearer guess-{n}"})
            for n in range(3)
        ]

    assert [g.status_code for g in guesses] == [401, 401, 429]
    assert guesses[-1].headers["content-type"] == "application/problem+json"
    assert guesses[-1].headers["retry-after"] == "1"


async def test_callers_behind_a_trusted_proxy_are_limited_one_by_one(
    stack: Stack, another_gateway: LimitedGateway
) -> None:
    # The test server, like `maillage-gateway serve` by default, trusts 127.0.0.1 as a proxy.
    async with (
        another_gateway(**routes(stack), rate_limit_ip_per_minute=60, rate_limit_ip_burst=1) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        first = await client.get("/v1/actors", headers={"x-forwarded-for": "203.0.113.9"})
        second = await client.get("/v1/actors", headers={"x-forwarded-for": "203.0.113.10"})
        again = await client.get("/v1/actors", headers={"x-forwarded-for": "203.0.113.9"})

    assert (first.status_code, second.status_code, again.status_code) == (200, 200, 429)
    assert first.json()["headers"]["x-forwarded-for"] == "203.0.113.9"


async def test_own_routes_tell_the_allowance_and_a_partners_pushes_have_their_bucket(
    stack: Stack, another_gateway: LimitedGateway
) -> None:
    admin = {"authorization": f"Bearer {ADMIN_KEY}"}
    async with (
        another_gateway(
            **routes(stack), rate_limit_key_per_minute=60, rate_limit_key_burst=3
        ) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as client,
    ):
        listed = await client.get("/v1/api-keys", headers=admin)
        slug = new_slug("pusher")
        secret = await register(client, slug)
        bodies = [push_body("event.upserted", f"ev-{n}", title="Fête") for n in range(4)]
        pushes = [
            await client.post(f"/v1/partners/{slug}/inbox", content=b, headers=signed(secret, b))
            for b in bodies
        ]

    assert listed.status_code == 200
    assert listed.headers["ratelimit-limit"] == "3"
    assert listed.headers["ratelimit-remaining"] == "2"
    # Valid pushes are counted too, in the partner's own bucket (not the admin's).
    assert [p.status_code for p in pushes] == [202, 202, 202, 429]
    assert [p.headers["ratelimit-remaining"] for p in pushes] == ["2", "1", "0", "0"]
    assert pushes[-1].headers["content-type"] == "application/problem+json"
