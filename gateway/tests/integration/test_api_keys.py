"""API keys through the real gateway, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from gateway.main import create_app
from kit.testing.apps import served

from .conftest import ADMIN_KEY, KeyedGateway

ADMIN = {"authorization": f"Bearer {ADMIN_KEY}"}


def bearer(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


async def create_key(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "Front-end", "role": "reader"} | fields
    response = await client.post("/v1/api-keys", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def eventually(
    check: Callable[[], Awaitable[bool]], *, deadline_seconds: float = 10.0
) -> None:
    """Poll ``check`` until it holds, failing after the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_seconds
    while not await check():
        assert loop.time() < deadline, "the condition did not hold before the deadline"
        await asyncio.sleep(0.05)


async def test_a_created_key_is_shown_once_and_calls_services_with_its_role(
    keyed_client: httpx.AsyncClient,
) -> None:
    response = await keyed_client.post(
        "/v1/api-keys",
        json={"name": "Site public", "description": "Lecture seule", "role": "reader"},
        headers=ADMIN,
    )

    assert response.status_code == 201
    created = response.json()
    key = created["key"]
    assert key.startswith("mlg_live_")
    assert len(key) == len("mlg_live_") + 43
    assert created["hint"] == key[:13]
    assert created["status"] == "active"
    assert created["created_by"] == "bootstrap-admin"
    assert response.headers["location"] == f"/v1/api-keys/{created['id']}"
    assert response.headers["cache-control"] == "no-store"

    read = await keyed_client.get(f"/v1/api-keys/{created['id']}", headers=ADMIN)
    assert read.status_code == 200
    assert "key" not in read.json()
    assert key not in read.text
    assert read.json()["name"] == "Site public"

    echo = await keyed_client.get("/v1/actors/a1", headers=bearer(key))
    assert echo.status_code == 200
    assert echo.json()["role"] == "reader"
    assert echo.json()["subject"] == created["id"]
    assert "authorization" not in echo.json()["headers"]


async def test_member_and_partner_bindings_reach_the_services(
    keyed_client: httpx.AsyncClient,
) -> None:
    actors = [str(uuid.uuid4()), str(uuid.uuid4())]
    member = await create_key(keyed_client, role="member", actor_ids=actors)
    partner = await create_key(keyed_client, role="partner", partner="echosciences")

    as_member = (await keyed_client.get("/v1/actors", headers=bearer(member["key"]))).json()
    as_partner = (await keyed_client.get("/v1/actors", headers=bearer(partner["key"]))).json()

    assert (as_member["role"], as_member["actor_ids"], as_member["partner"]) == (
        "member",
        actors,
        None,
    )
    assert (as_partner["role"], as_partner["actor_ids"], as_partner["partner"]) == (
        "partner",
        [],
        "echosciences",
    )


async def test_an_admin_key_made_by_the_bootstrap_key_can_manage_keys(
    keyed_client: httpx.AsyncClient,
) -> None:
    admin = await create_key(keyed_client, role="admin", name="Second admin")

    made = await keyed_client.post(
        "/v1/api-keys", json={"name": "By a key", "role": "reader"}, headers=bearer(admin["key"])
    )

    assert made.status_code == 201
    assert made.json()["created_by"] == admin["id"]


async def test_keys_are_listed_newest_first_page_by_page_without_secrets(
    keyed_client: httpx.AsyncClient,
) -> None:
    made = [await create_key(keyed_client, name=f"Clé {n}") for n in range(3)]

    seen: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        params = {"limit": "2"} | ({"after": after} if after else {})
        page = await keyed_client.get("/v1/api-keys", params=params, headers=ADMIN)
        assert page.status_code == 200
        assert len(page.json()["items"]) <= 2
        assert all(m["key"] not in page.text for m in made)
        seen.extend(page.json()["items"])
        after = page.json()["next"]
        if after is None:
            break

    ids = [k["id"] for k in seen]
    assert len(ids) == len(set(ids))
    assert [k["id"] for k in reversed(made)] == [i for i in ids if i in {m["id"] for m in made}]
    assert all("key" not in k for k in seen)


async def test_a_revoked_key_is_refused_at_once(keyed_client: httpx.AsyncClient) -> None:
    created = await create_key(keyed_client)
    assert (await keyed_client.get("/v1/actors", headers=bearer(created["key"]))).status_code == 200

    revoked = await keyed_client.delete(f"/v1/api-keys/{created['id']}", headers=ADMIN)
    again = await keyed_client.delete(f"/v1/api-keys/{created['id']}", headers=ADMIN)
    refused = await keyed_client.get("/v1/actors", headers=bearer(created["key"]))

    assert (revoked.status_code, again.status_code) == (204, 204)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert "revoked" in refused.json()["detail"]
    read = (await keyed_client.get(f"/v1/api-keys/{created['id']}", headers=ADMIN)).json()
    assert read["status"] == "revoked"
    assert read["revoked_at"] is not None


async def test_a_revocation_reaches_another_gateway_process_within_its_cache_time(
    keyed: KeyedGateway, keyed_client: httpx.AsyncClient
) -> None:
    created = await create_key(keyed_client)
    other_app = create_app(keyed.settings(key_cache_seconds=0.5))
    async with (
        served(other_app, http="httptools") as other_url,
        httpx.AsyncClient(base_url=other_url, timeout=10) as other,
    ):
        assert (await other.get("/v1/actors", headers=bearer(created["key"]))).status_code == 200

        await keyed_client.delete(f"/v1/api-keys/{created['id']}", headers=ADMIN)

        async def refused_there() -> bool:
            response = await other.get("/v1/actors", headers=bearer(created["key"]))
            return response.status_code == 401

        await eventually(refused_there, deadline_seconds=5)


async def test_an_expired_key_is_refused(keyed_client: httpx.AsyncClient) -> None:
    expires_at = datetime.now(UTC) + timedelta(seconds=1)
    created = await create_key(keyed_client, expires_at=expires_at.isoformat())
    assert (await keyed_client.get("/v1/actors", headers=bearer(created["key"]))).status_code == 200

    async def refused() -> bool:
        response = await keyed_client.get("/v1/actors", headers=bearer(created["key"]))
        return response.status_code == 401 and "expired" in response.json()["detail"]

    await eventually(refused)
    read = (await keyed_client.get(f"/v1/api-keys/{created['id']}", headers=ADMIN)).json()
    assert read["status"] == "expired"


async def test_malformed_and_unknown_keys_are_refused(keyed_client: httpx.AsyncClient) -> None:
    created = await create_key(keyed_client)
    for key in ("mlg_live_short", created["key"][:-1] + "!", "mlg_live_" + "A" * 43):
        for method in ("GET", "POST"):
            response = await keyed_client.request(method, "/v1/actors", headers=bearer(key))
            assert response.status_code == 401, (key, method)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.headers["www-authenticate"].startswith("Bearer")


async def test_only_admins_manage_keys(keyed_client: httpx.AsyncClient) -> None:
    animator = await create_key(keyed_client, role="animator")
    body = {"name": "x", "role": "reader"}

    anonymous = await keyed_client.post("/v1/api-keys", json=body)
    anonymous_list = await keyed_client.get("/v1/api-keys")
    forbidden = await keyed_client.post("/v1/api-keys", json=body, headers=bearer(animator["key"]))
    forbidden_list = await keyed_client.get("/v1/api-keys", headers=bearer(animator["key"]))
    forbidden_revoke = await keyed_client.delete(
        f"/v1/api-keys/{animator['id']}", headers=bearer(animator["key"])
    )

    assert (anonymous.status_code, anonymous_list.status_code) == (401, 401)
    assert forbidden.status_code == forbidden_list.status_code == forbidden_revoke.status_code
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"
    still = await keyed_client.get("/v1/actors", headers=bearer(animator["key"]))
    assert still.status_code == 200


async def test_invalid_key_requests_are_422_problems_and_nothing_is_created(
    keyed_client: httpx.AsyncClient,
) -> None:
    before = (await keyed_client.get("/v1/api-keys?limit=200", headers=ADMIN)).json()["items"]
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "m", "role": "member"}, "actor"),
        ({"name": "p", "role": "partner"}, "partner"),
        # Longer than a partner's slug may be: the key could never push or own events.
        ({"name": "p", "role": "partner", "partner": "p" * 61}, "partner"),
        ({"name": "r", "role": "reader", "actor_ids": [str(uuid.uuid4())]}, "actor"),
        ({"name": "r", "role": "reader", "partner": "openagenda"}, "partner"),
        ({"name": "r", "role": "reader", "expires_at": past}, "expires_at"),
        ({"name": "r", "role": "reader", "expires_at": "2030-01-01T00:00:00"}, "expires_at"),
        ({"name": "r", "role": "superuser"}, "role"),
        ({"name": "r", "role": "reader", "secret": "mine"}, "secret"),
        ({"name": "", "role": "reader"}, "name"),
    ]
    for body, field in cases:
        response = await keyed_client.post("/v1/api-keys", json=body, headers=ADMIN)
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        assert field in response.text, (body, response.text)

    after = (await keyed_client.get("/v1/api-keys?limit=200", headers=ADMIN)).json()["items"]
    assert len(after) == len(before)


async def test_an_unknown_key_id_is_a_404_problem(keyed_client: httpx.AsyncClient) -> None:
    for method in ("GET", "DELETE"):
        response = await keyed_client.request(method, "/v1/api-keys/key_nothing", headers=ADMIN)
        assert response.status_code == 404
        assert response.json()["type"].endswith("/api-key-not-found")


async def test_the_last_use_of_a_key_is_recorded(keyed_client: httpx.AsyncClient) -> None:
    created = await create_key(keyed_client)
    assert created["last_used_at"] is None

    await keyed_client.get("/v1/actors", headers=bearer(created["key"]))

    async def recorded() -> bool:
        read = await keyed_client.get(f"/v1/api-keys/{created['id']}", headers=ADMIN)
        return read.json()["last_used_at"] is not None

    await eventually(recorded)


async def test_the_api_key_routes_are_in_the_public_document(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()

    create = document["paths"]["/v1/api-keys"]["post"]
    assert {"201", "401", "403", "422", "429"} <= set(create["responses"])
    assert set(document["paths"]["/v1/api-keys/{key_id}"]) == {"get", "delete"}
    created = document["components"]["schemas"]["ApiKeyCreated"]
    assert "key" in created["properties"]
    assert "key" not in document["components"]["schemas"]["ApiKeyRead"]["properties"]


async def test_another_gateway_process_trusts_a_verified_key_for_its_cache_time(
    keyed: KeyedGateway, keyed_client: httpx.AsyncClient
) -> None:
    """The documented trade-off: no database read per call, so a revocation made elsewhere
    is seen only when the cached verification expires."""
    created = await create_key(keyed_client)
    other_app = create_app(keyed.settings(key_cache_seconds=30))
    async with (
        served(other_app, http="httptools") as other_url,
        httpx.AsyncClient(base_url=other_url, timeout=10) as other,
    ):
        assert (await other.get("/v1/actors", headers=bearer(created["key"]))).status_code == 200
        await keyed_client.delete(f"/v1/api-keys/{created['id']}", headers=ADMIN)

        still = await other.get("/v1/actors", headers=bearer(created["key"]))
        here = await keyed_client.get("/v1/actors", headers=bearer(created["key"]))

    assert still.status_code == 200
    assert here.status_code == 401
