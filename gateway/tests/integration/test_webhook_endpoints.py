"""Webhook endpoints through the real gateway, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

import httpx
import pytest

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


async def test_an_owner_updates_its_endpoint_and_the_new_url_is_checked_again(
    keyed_client: httpx.AsyncClient,
) -> None:
    partner = await partner_key(keyed_client, "updater")
    created = await create_endpoint(keyed_client, partner, description="old")
    url = f"{PATH}/{created['id']}"

    changed = await keyed_client.patch(
        url,
        json={"url": "https://93.184.215.15/v2", "event_types": ["directory.*", "directory.*"]},
        headers=partner,
    )
    cleared = await keyed_client.patch(url, json={"description": None}, headers=partner)
    inside = await keyed_client.patch(url, json={"url": "https://10.0.0.7/hook"}, headers=partner)
    null_url = await keyed_client.patch(url, json={"url": None}, headers=partner)
    unknown = await keyed_client.patch(url, json={"secret": "whsec_x"}, headers=partner)
    bad_type = await keyed_client.patch(url, json={"event_types": ["a..b"]}, headers=partner)

    assert changed.status_code == 200, changed.text
    assert changed.json()["url"] == "https://93.184.215.15/v2"
    assert changed.json()["event_types"] == ["directory.*"]
    assert changed.json()["description"] == "old"
    assert "secret" not in changed.json()
    assert cleared.json()["description"] is None
    for response, field in ((inside, "url"), (null_url, "url")):
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == field
    assert "private" in inside.json()["errors"][0]["message"]
    assert unknown.status_code == 422
    assert bad_type.status_code == 422
    read = (await keyed_client.get(url, headers=partner)).json()
    assert read["url"] == "https://93.184.215.15/v2"  # nothing written by the refused calls
    assert read["event_types"] == ["directory.*"]


async def test_disabling_and_re_enabling_an_endpoint(keyed_client: httpx.AsyncClient) -> None:
    created = await create_endpoint(keyed_client, ADMIN)
    url = f"{PATH}/{created['id']}"

    disabled = await keyed_client.patch(url, json={"disabled": True}, headers=ADMIN)
    enabled = await keyed_client.patch(url, json={"disabled": False}, headers=ADMIN)

    assert disabled.json()["status"] == "disabled"
    assert disabled.json()["disabled_at"] is not None
    assert "disabled by" in disabled.json()["disabled_reason"]
    assert enabled.json()["status"] == "active"
    assert enabled.json()["disabled_at"] is None
    assert enabled.json()["disabled_reason"] is None
    assert enabled.json()["failing_since"] is None


async def test_no_partner_touches_another_partners_endpoint_through_any_route(
    keyed_client: httpx.AsyncClient,
) -> None:
    mine = await partner_key(keyed_client, "owner-a")
    theirs = await partner_key(keyed_client, "owner-b")
    endpoint = await create_endpoint(keyed_client, theirs)
    base = f"{PATH}/{endpoint['id']}"
    since = {"since": "2026-01-01T00:00:00Z"}

    attempts = [
        await keyed_client.get(base, headers=mine),
        await keyed_client.patch(base, json={"disabled": True}, headers=mine),
        await keyed_client.delete(base, headers=mine),
        await keyed_client.post(f"{base}/rotate", headers=mine),
        await keyed_client.post(f"{base}/test", headers=mine),
        await keyed_client.post(f"{base}/recover", json=since, headers=mine),
        await keyed_client.get(f"{base}/deliveries", headers=mine),
        await keyed_client.get(f"{base}/deliveries/msg_x", headers=mine),
        await keyed_client.post(f"{base}/deliveries/msg_x/resend", headers=mine),
    ]

    for response in attempts:
        assert response.status_code == 404, response.request.url
        assert response.headers["content-type"] == "application/problem+json"
    read = await keyed_client.get(base, headers=theirs)
    assert read.json()["status"] == "active"  # the PATCH did nothing
    recovered = await keyed_client.post(f"{base}/recover", json=since, headers=ADMIN)
    assert recovered.status_code == 200  # admins reach every endpoint
    assert recovered.json() == {"since": "2026-01-01T00:00:00Z", "requeued": 0, "pending": 0}
    reader = await keyed_client.post(
        "/v1/api-keys", json={"name": "r2", "role": "reader"}, headers=ADMIN
    )
    as_reader = {"authorization": f"Bearer {reader.json()['key']}"}
    refused = await keyed_client.patch(base, json={"disabled": True}, headers=as_reader)
    assert refused.status_code == 403


async def test_subscriptions_name_known_event_types_and_partners_get_none_about_people(
    keyed_client: httpx.AsyncClient,
) -> None:
    partner = await partner_key(keyed_client, "subscriber")
    body = {"url": "https://93.184.215.14/hook"}

    unknown = await keyed_client.post(
        PATH, json=body | {"event_types": ["events.*", "no.such.type"]}, headers=partner
    )
    personal = await keyed_client.post(
        PATH, json=body | {"event_types": ["events.registration.confirmed"]}, headers=partner
    )
    wildcard = await keyed_client.post(PATH, json=body | {"event_types": ["*"]}, headers=partner)
    network = await keyed_client.post(
        PATH, json=body | {"event_types": ["events.registration.confirmed"]}, headers=ADMIN
    )

    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {
            "field": "event_types[1]",
            "message": "'no.such.type' matches no event type (the list: GET /asyncapi.json)",
        }
    ]
    assert personal.status_code == 422
    assert personal.json()["errors"][0]["field"] == "event_types[0]"
    assert "about people" in personal.json()["errors"][0]["message"]
    answers = await keyed_client.post(
        PATH, json=body | {"event_types": ["surveys.response.submitted"]}, headers=partner
    )
    assert answers.status_code == 422
    # The refusal says what the type is about, not "registrations, attendance" for a survey.
    assert answers.json()["errors"][0]["message"] == (
        "surveys.response.submitted is about people (who is invited to a survey, who "
        "answered): sent to the network's own endpoints only"
    )
    assert wildcard.status_code == 201  # accepted; registrations are skipped for it
    assert network.status_code == 201
    patched = await keyed_client.patch(
        f"{PATH}/{wildcard.json()['id']}",
        json={"event_types": ["events.attendance.recorded"]},
        headers=partner,
    )
    assert patched.status_code == 422
    assert patched.json()["errors"][0]["field"] == "event_types[0]"


async def test_a_partner_has_at_most_twenty_endpoints(keyed_client: httpx.AsyncClient) -> None:
    partner = await partner_key(keyed_client, "prolific")
    for _ in range(20):
        await create_endpoint(keyed_client, partner)

    refused = await keyed_client.post(
        PATH, json={"url": "https://93.184.215.14/hook", "event_types": ["*"]}, headers=partner
    )

    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["limit"] == 20
    assert refused.json()["type"].endswith("/too-many-webhook-endpoints")
    # Network endpoints made by admins are not counted against anyone.
    await create_endpoint(keyed_client, ADMIN)


async def test_a_slow_url_check_holds_up_no_other_write(
    keyed_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resolving an endpoint's host can take seconds; on SQLite, doing it inside the write
    transaction held every other writer of the gateway behind it."""
    resolving, release = asyncio.Event(), asyncio.Event()

    async def slow_check(url: str, allowed_hosts: Any) -> None:
        resolving.set()
        await release.wait()

    monkeypatch.setattr("gateway.webhooks.service.check_url", slow_check)
    creating = asyncio.create_task(
        keyed_client.post(
            PATH, json={"url": "https://slow.example.org/hook", "event_types": ["*"]}, headers=ADMIN
        )
    )
    await resolving.wait()
    try:
        started = time.monotonic()
        other = await keyed_client.post(
            "/v1/api-keys", json={"name": "meanwhile", "role": "reader"}, headers=ADMIN
        )
        assert other.status_code == 201
        assert time.monotonic() - started < 2
    finally:
        release.set()
    assert (await creating).status_code == 201
