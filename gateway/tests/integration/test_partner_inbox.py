"""The partner registry and the signed inbox through the real gateway, on SQLite and
PostgreSQL; pushes are signed with the ``standardwebhooks`` reference library."""

from __future__ import annotations

import asyncio
import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
from standardwebhooks import Webhook

from gateway.main import create_app
from gateway.webhooks.tokens import new_secret
from kit.testing.apps import served

from .conftest import ADMIN_KEY, KeyedGateway

ADMIN = {"authorization": f"Bearer {ADMIN_KEY}"}


def push_body(push_type: str, record_id: Any, **fields: Any) -> bytes:
    return orjson.dumps(
        {
            "type": push_type,
            "timestamp": datetime.now(UTC).isoformat(),
            "data": {"id": record_id, **fields},
        }
    )


def signed(
    secret: str, body: bytes, *, webhook_id: str | None = None, at: datetime | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers of ``body``, signed with ``secret``."""
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, at, body.decode()),
        "content-type": "application/json",
    }


def new_slug(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def register(client: httpx.AsyncClient, slug: str, name: str = "Partner") -> str:
    """Register ``slug``; its inbox secret."""
    response = await client.post("/v1/partners", json={"slug": slug, "name": name}, headers=ADMIN)
    assert response.status_code == 201, response.text
    secret: str = response.json()["secret"]
    return secret


async def messages(client: httpx.AsyncClient, slug: str, **params: Any) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/partners/{slug}/inbox/messages", headers=ADMIN, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def partner_key(client: httpx.AsyncClient, partner: str) -> dict[str, str]:
    response = await client.post(
        "/v1/api-keys", json={"name": partner, "role": "partner", "partner": partner}, headers=ADMIN
    )
    assert response.status_code == 201, response.text
    return {"authorization": f"Bearer {response.json()['key']}"}


async def test_an_admin_registers_a_partner_and_sees_its_secret_once(
    keyed_client: httpx.AsyncClient,
) -> None:
    slug = new_slug("openagenda")

    created = await keyed_client.post(
        "/v1/partners", json={"slug": slug, "name": "OpenAgenda"}, headers=ADMIN
    )

    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/v1/partners/{slug}"
    assert created.headers["cache-control"] == "no-store"
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["status"] == "active"
    assert body["inbox_url"] == f"/v1/partners/{slug}/inbox"
    read = await keyed_client.get(f"/v1/partners/{slug}", headers=ADMIN)
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert read.json()["name"] == "OpenAgenda"
    listed = await keyed_client.get("/v1/partners", headers=ADMIN, params={"limit": 200})
    assert slug in [p["slug"] for p in listed.json()["items"]]
    assert all("secret" not in p for p in listed.json()["items"])
    again = await keyed_client.post(
        "/v1/partners", json={"slug": slug, "name": "Other"}, headers=ADMIN
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


async def test_only_admins_register_partners_and_bad_slugs_are_422(
    keyed_client: httpx.AsyncClient,
) -> None:
    slug = new_slug("echosciences")
    own = await partner_key(keyed_client, slug)
    body = {"slug": slug, "name": "Échosciences"}

    assert (await keyed_client.post("/v1/partners", json=body)).status_code == 401
    assert (await keyed_client.post("/v1/partners", json=body, headers=own)).status_code == 403
    assert (await keyed_client.get("/v1/partners", headers=own)).status_code == 403
    bad = await keyed_client.post(
        "/v1/partners", json={"slug": "Not A Slug", "name": "x"}, headers=ADMIN
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "slug"
    assert (await keyed_client.get(f"/v1/partners/{slug}", headers=ADMIN)).status_code == 404


async def test_a_signed_push_is_stored_and_answered_202(keyed_client: httpx.AsyncClient) -> None:
    slug = new_slug("agenda")
    secret = await register(keyed_client, slug)
    body = push_body("event.upserted", 4242, title="Nuit des étoiles")
    headers = signed(secret, body)

    response = await keyed_client.post(f"/v1/partners/{slug}/inbox", content=body, headers=headers)

    assert response.status_code == 202, response.text
    assert response.json()["webhook_id"] == headers["webhook-id"]
    assert response.json()["status"] == "pending"
    [stored] = await messages(keyed_client, slug)
    assert stored["id"] == response.json()["id"]
    assert stored["type"] == "event.upserted"
    assert stored["record_id"] == "4242"
    assert stored["status"] == "pending"
    assert stored["webhook_id"] == headers["webhook-id"]


async def test_a_repeated_webhook_id_is_dropped(keyed_client: httpx.AsyncClient) -> None:
    slug = new_slug("agenda")
    secret = await register(keyed_client, slug)
    body = push_body("event.deleted", "ev-1")
    first = signed(secret, body)
    # The partner retries the same message later: new timestamp and signature, same id.
    retry = signed(secret, body, webhook_id=first["webhook-id"])

    accepted = await keyed_client.post(f"/v1/partners/{slug}/inbox", content=body, headers=first)
    repeated = await keyed_client.post(f"/v1/partners/{slug}/inbox", content=body, headers=retry)

    assert accepted.status_code == 202
    assert repeated.status_code == 200
    assert repeated.json() == {"webhook_id": first["webhook-id"], "duplicate": True}
    assert len(await messages(keyed_client, slug)) == 1


async def test_forged_stale_or_unsigned_pushes_are_401_and_nothing_is_stored(
    keyed_client: httpx.AsyncClient,
) -> None:
    slug = new_slug("agenda")
    secret = await register(keyed_client, slug)
    other_secret = await register(keyed_client, new_slug("other"))
    body = push_body("event.upserted", "ev-2", title="Forum")
    now = datetime.now(UTC)
    tampered = signed(secret, body)
    stale = signed(secret, body, at=now - timedelta(minutes=6))
    future = signed(secret, body, at=now + timedelta(minutes=6))
    unsigned = {k: v for k, v in signed(secret, body).items() if k != "webhook-signature"}
    no_id = {k: v for k, v in signed(secret, body).items() if k != "webhook-id"}
    # A valid signature moved to another id (replaying the body under a fresh webhook-id).
    moved = signed(secret, body) | {"webhook-id": "msg_replayed"}
    garbage = signed(secret, body) | {"webhook-signature": "v1,bm90IGEgc2lnbmF0dXJl v2,xyz"}
    cases = {
        "forged": (body, signed(other_secret, body)),
        "tampered": (body.replace(b"Forum", b"Fraud"), tampered),
        "stale": (body, stale),
        "future": (body, future),
        "unsigned": (body, unsigned),
        "no id": (body, no_id),
        "moved": (body, moved),
        "garbage": (body, garbage),
    }

    for case, (content, headers) in cases.items():
        response = await keyed_client.post(
            f"/v1/partners/{slug}/inbox", content=content, headers=headers
        )
        assert response.status_code == 401, (case, response.text)
        assert response.headers["content-type"] == "application/problem+json", case
        assert response.json()["type"].endswith("/invalid-signature"), case
    assert await messages(keyed_client, slug) == []
    assert (
        "old"
        in (
            await keyed_client.post(f"/v1/partners/{slug}/inbox", content=body, headers=stale)
        ).json()["detail"]
    )
    # The stale push, signed again now, goes in: nothing about it was remembered.
    fresh = signed(secret, body, webhook_id=stale["webhook-id"])
    assert (
        await keyed_client.post(f"/v1/partners/{slug}/inbox", content=body, headers=fresh)
    ).status_code == 202


async def test_any_of_several_signatures_may_match(keyed_client: httpx.AsyncClient) -> None:
    slug = new_slug("agenda")
    secret = await register(keyed_client, slug)
    body = push_body("event.deleted", "ev-3")
    headers = signed(secret, body)
    headers["webhook-signature"] = (
        "v1,c29tZXRoaW5nIGVsc2UgZW50aXJlbHkgZGlmZmVyZW50IQ== " + headers["webhook-signature"]
    )

    response = await keyed_client.post(f"/v1/partners/{slug}/inbox", content=body, headers=headers)

    assert response.status_code == 202, response.text


async def test_unknown_and_disabled_partners_answer_as_a_wrong_signature_does(
    keyed_client: httpx.AsyncClient,
) -> None:
    """A 404 for unknown names and a 401 for known ones told anyone which partners exist."""
    slug = new_slug("agenda")
    secret = await register(keyed_client, slug)
    body = push_body("event.deleted", "ev-4")

    def same_answer(response: httpx.Response) -> tuple[int, str, str, str]:
        problem = response.json()
        return (
            response.status_code,
            response.headers["content-type"],
            problem["type"],
            problem["detail"],
        )

    unknown = await keyed_client.post(
        f"/v1/partners/{new_slug('nobody')}/inbox", content=body, headers=signed(secret, body)
    )
    forged = await keyed_client.post(
        f"/v1/partners/{slug}/inbox", content=body, headers=signed(new_secret(), body)
    )
    disabled = await keyed_client.post(f"/v1/partners/{slug}/disable", headers=ADMIN)
    refused = await keyed_client.post(
        f"/v1/partners/{slug}/inbox", content=body, headers=signed(secret, body)
    )
    enabled = await keyed_client.post(f"/v1/partners/{slug}/enable", headers=ADMIN)
    accepted = await keyed_client.post(
        f"/v1/partners/{slug}/inbox", content=body, headers=signed(secret, body)
    )

    assert unknown.status_code == 401, unknown.text
    assert same_answer(unknown) == same_answer(forged) == same_answer(refused)
    assert disabled.json()["status"] == "disabled"
    assert enabled.json()["status"] == "active"
    assert accepted.status_code == 202
    assert len(await messages(keyed_client, slug)) == 1


async def test_pushes_that_are_not_pushes_are_422_naming_the_field(
    keyed_client: httpx.AsyncClient,
) -> None:
    slug = new_slug("agenda")
    secret = await register(keyed_client, slug)
    cases = [
        ("type", push_body("event.renamed", "ev-5")),
        ("data.id", orjson.dumps({"type": "event.upserted", "data": {"title": "no id"}})),
        ("data.id", push_body("event.deleted", "..")),  # would be a path step once forwarded
        ("data", orjson.dumps({"type": "event.deleted", "data": ["ev-5"]})),
        ("body", b"{not json"),
    ]

    for field, body in cases:
        response = await keyed_client.post(
            f"/v1/partners/{slug}/inbox", content=body, headers=signed(secret, body)
        )
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == field
    assert await messages(keyed_client, slug) == []


async def test_a_push_over_the_inbox_limit_is_413(keyed_client: httpx.AsyncClient) -> None:
    slug = new_slug("agenda")
    secret = await register(keyed_client, slug)
    body = push_body("event.upserted", "ev-6", description="x" * 300_000)

    response = await keyed_client.post(
        f"/v1/partners/{slug}/inbox", content=body, headers=signed(secret, body)
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert await messages(keyed_client, slug) == []


async def test_after_a_rotation_both_secrets_work_until_the_grace_period_ends(
    keyed: KeyedGateway, keyed_client: httpx.AsyncClient
) -> None:
    slug = new_slug("agenda")
    old = await register(keyed_client, slug)
    own = await partner_key(keyed_client, slug)

    rotated = await keyed_client.post(f"/v1/partners/{slug}/secret/rotate", headers=own)
    new = rotated.json()["secret"]

    assert rotated.status_code == 200, rotated.text
    assert new != old
    assert rotated.json()["previous_secret_expires_at"] is not None
    for n, secret in enumerate((old, new)):
        body = push_body("event.deleted", f"ev-{n}")
        response = await keyed_client.post(
            f"/v1/partners/{slug}/inbox", content=body, headers=signed(secret, body)
        )
        assert response.status_code == 202, response.text
    # A gateway whose grace period is over by the time anyone pushes: only the new one works.
    settings = keyed.settings(partner_secret_grace_seconds=0)
    async with (
        served(create_app(settings), http="httptools") as url,
        httpx.AsyncClient(base_url=url, timeout=10) as strict,
    ):
        again = (await strict.post(f"/v1/partners/{slug}/secret/rotate", headers=ADMIN)).json()
        body = push_body("event.deleted", "ev-after-grace")
        refused = await strict.post(
            f"/v1/partners/{slug}/inbox", content=body, headers=signed(new, body)
        )
        accepted = await strict.post(
            f"/v1/partners/{slug}/inbox", content=body, headers=signed(again["secret"], body)
        )
    assert refused.status_code == 401
    assert accepted.status_code == 202


async def test_a_partner_reads_its_own_messages_only(keyed_client: httpx.AsyncClient) -> None:
    slug, other = new_slug("agenda"), new_slug("other")
    secret = await register(keyed_client, slug)
    await register(keyed_client, other)
    own, theirs = await partner_key(keyed_client, slug), await partner_key(keyed_client, other)
    reader = await keyed_client.post(
        "/v1/api-keys", json={"name": "r", "role": "reader"}, headers=ADMIN
    )
    reader_headers = {"authorization": f"Bearer {reader.json()['key']}"}
    for n in range(3):
        body = push_body("event.deleted", f"ev-{n}")
        await keyed_client.post(
            f"/v1/partners/{slug}/inbox", content=body, headers=signed(secret, body)
        )
    path = f"/v1/partners/{slug}/inbox/messages"

    mine = await keyed_client.get(path, headers=own, params={"limit": 2})
    following = await keyed_client.get(
        path, headers=own, params={"limit": 2, "after": mine.json()["next"]}
    )

    assert mine.status_code == 200
    assert [m["record_id"] for m in mine.json()["items"]] == ["ev-2", "ev-1"]
    assert [m["record_id"] for m in following.json()["items"]] == ["ev-0"]
    assert following.json()["next"] is None
    assert (await keyed_client.get(path, headers=theirs)).status_code == 404
    assert (await keyed_client.get(f"/v1/partners/{slug}", headers=theirs)).status_code == 404
    assert (await keyed_client.get(path, headers=reader_headers)).status_code == 403
    assert (await keyed_client.get(path)).status_code == 401
    pending = await keyed_client.get(path, headers=own, params={"status": "forwarded"})
    assert pending.json()["items"] == []


async def test_concurrent_repeats_of_one_push_store_it_once(
    keyed_client: httpx.AsyncClient,
) -> None:
    slug = new_slug("agenda")
    secret = await register(keyed_client, slug)
    body = push_body("event.upserted", "ev-race", title="Concurrent")
    first = signed(secret, body)
    # The same message sent ten times at once (a partner retrying over a slow network).
    copies = [first] + [signed(secret, body, webhook_id=first["webhook-id"]) for _ in range(9)]

    answers = await asyncio.gather(
        *(
            keyed_client.post(f"/v1/partners/{slug}/inbox", content=body, headers=headers)
            for headers in copies
        )
    )

    assert sorted(a.status_code for a in answers) == [200] * 9 + [202]
    assert len(await messages(keyed_client, slug)) == 1


async def test_partners_are_listed_by_slug_page_after_page(keyed_client: httpx.AsyncClient) -> None:
    ours = {new_slug("zz-list") for _ in range(3)}
    for slug in ours:
        await register(keyed_client, slug)

    seen: list[str] = []
    after: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"after": after} if after else {})
        page = (await keyed_client.get("/v1/partners", headers=ADMIN, params=params)).json()
        assert len(page["items"]) <= 2
        seen += [p["slug"] for p in page["items"]]
        after = page["next"]
        if after is None:
            break

    assert seen == sorted(set(seen))
    assert ours <= set(seen)
    bad = await keyed_client.get("/v1/partners", headers=ADMIN, params={"after": "nonsense"})
    assert bad.status_code == 422
