"""Webhook endpoints through the real gateway, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from .conftest import ADMIN_KEY

ADMIN = {"authorization": f"Bearer {ADMIN_KEY}"}
PATH = "/v1/webhooks/endpoints"


async def partner_key(client: httpx.AsyncClient, partner: str) -> dict[str, str]:
    response = await client.post(
        "/v1/api-keys", json={"name": partner, "role": "partner", "partner": partner}, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    return {"authorization": f"Bearer {response.json()['key']}"}


async def create_endpoint(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> dict[str, Any]:
    body = {"url": "https://93.184.215.14/hook", "event_types": ["events.*"]} | fields
    response = await client.post(PATH, json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_a_partner_subscribes_and_sees_the_secret_once(
    keyed_client: httpx.AsyncClient,
) -> None:
    partner = await partner_key(keyed_client, "echosciences")
    response = await keyed_client.post(
        PATH,
        json={
            "url": "https://93.184.215.14/maillage",
            "event_types": ["events.*", "directory.actor.*", "events.*"],
            "description": "Agenda sync",
        },
        headers=partner,
    )

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 24
    assert created["partner"] == "echosciences"
    assert created["event_types"] == ["events.*", "directory.actor.*"]
    assert created["status"] == "active"
    assert response.headers["location"] == f"{PATH}/{created['id']}"
    read = await keyed_client.get(f"{PATH}/{created['id']}", headers=partner)
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert read.json()["url"] == "https://93.184.215.14/maillage"
    listed = await keyed_client.get(PATH, headers=partner)
    assert [e["id"] for e in listed.json()["items"]] == [created["id"]]
    assert all("secret" not in e for e in listed.json()["items"])


async def test_a_partner_sees_only_its_own_endpoints_and_admins_see_all(
    keyed_client: httpx.AsyncClient,
) -> None:
    mine = await partner_key(keyed_client, "partner-a")
    theirs = await partner_key(keyed_client, "partner-b")
    own = await create_endpoint(keyed_client, mine)
    other = await create_endpoint(keyed_client, theirs)
    network = await create_endpoint(keyed_client, ADMIN)

    listed = await keyed_client.get(PATH, headers=mine)
    assert [e["id"] for e in listed.json()["items"]] == [own["id"]]
    assert (await keyed_client.get(f"{PATH}/{other['id']}", headers=mine)).status_code == 404
    assert (await keyed_client.delete(f"{PATH}/{other['id']}", headers=mine)).status_code == 404
    assert network["partner"] is None
    every = await keyed_client.get(PATH, headers=ADMIN, params={"limit": 200})
    assert {own["id"], other["id"], network["id"]} <= {e["id"] for e in every.json()["items"]}


async def test_only_admins_and_partners_manage_endpoints(keyed_client: httpx.AsyncClient) -> None:
    reader = await keyed_client.post(
        "/v1/api-keys", json={"name": "r", "role": "reader"}, headers=ADMIN
    )
    headers = {"authorization": f"Bearer {reader.json()['key']}"}
    body = {"url": "https://93.184.215.14/hook", "event_types": ["*"]}

    assert (await keyed_client.post(PATH, json=body, headers=headers)).status_code == 403
    assert (await keyed_client.get(PATH, headers=headers)).status_code == 403
    assert (await keyed_client.get(PATH)).status_code == 401
    assert (await keyed_client.post(PATH, json=body)).status_code == 401


async def test_unsafe_urls_and_bad_event_types_are_422_problems_naming_the_field(
    keyed_client: httpx.AsyncClient,
) -> None:
    metadata = await keyed_client.post(
        PATH,
        json={"url": "https://169.254.169.254/latest/meta-data", "event_types": ["*"]},
        headers=ADMIN,
    )
    plain = await keyed_client.post(
        PATH, json={"url": "http://93.184.215.14/hook", "event_types": ["*"]}, headers=ADMIN
    )
    decimal = await keyed_client.post(
        PATH, json={"url": "https://2130706433/hook", "event_types": ["*"]}, headers=ADMIN
    )
    bad_type = await keyed_client.post(
        PATH, json={"url": "https://93.184.215.14/", "event_types": ["events.*.x"]}, headers=ADMIN
    )

    for response in (metadata, plain, decimal):
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "url"
    assert "link-local" in metadata.json()["errors"][0]["message"]
    assert "https" in plain.json()["errors"][0]["message"]
    assert "spelling" in decimal.json()["errors"][0]["message"]
    assert bad_type.status_code == 422


async def test_rotation_gives_a_new_secret_and_delete_removes_the_endpoint(
    keyed_client: httpx.AsyncClient,
) -> None:
    partner = await partner_key(keyed_client, "rotator")
    created = await create_endpoint(keyed_client, partner)

    rotated = await keyed_client.post(f"{PATH}/{created['id']}/rotate", headers=partner)

    assert rotated.status_code == 200
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
    deleted = await keyed_client.delete(f"{PATH}/{created['id']}", headers=partner)
    assert deleted.status_code == 204
    assert (await keyed_client.get(f"{PATH}/{created['id']}", headers=partner)).status_code == 404


async def test_an_allow_listed_host_may_be_local_and_plain_http(
    keyed_client: httpx.AsyncClient,
) -> None:
    created = await create_endpoint(keyed_client, ADMIN, url="http://127.0.0.1:9/hook")
    refused = await keyed_client.post(
        PATH, json={"url": "http://localhost:9/hook", "event_types": ["*"]}, headers=ADMIN
    )

    assert created["url"] == "http://127.0.0.1:9/hook"
    assert refused.status_code == 422
