"""The forwarder: partner pushes stored by the real gateway reach a local stand-in of the
events service's import endpoint (``PUT``/``DELETE /v1/events/ext/{source}/{ext_id}``, with
its identity rule and problem answers), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import pytest
from fastapi import APIRouter, FastAPI, Request, Response

from gateway.config import Settings
from gateway.main import create_app
from gateway.partners.forwarding import partner_forwarder
from kit.db import Database
from kit.identity import CurrentIdentity, Identity, Role
from kit.problems import DomainError, Forbidden, InvalidInput, NotFound
from kit.testing.apps import served
from kit.testing.nats import free_port
from kit.testing.plugin import BACKENDS, DatabaseFactory
from kit.testing.polling import wait_until

from .conftest import fake_service, gateway_settings, migrated_database
from .test_partner_inbox import ADMIN, new_slug, push_body, signed


class Unavailable(DomainError):
    status, slug, title = 503, "service-unavailable", "Service unavailable"


@dataclass
class Call:
    method: str
    source: str
    ext_id: str
    identity: Identity
    body: Any
    status: int = 0


@dataclass
class FakeEvents:
    """The events service's import endpoint as the contract describes it, in memory."""

    events: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    cancelled: set[tuple[str, str]] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    #: ext_id → how many calls about it answer 503 first.
    outages: dict[str, int] = field(default_factory=dict)
    #: ext_id → how many calls about it take too long (two seconds) before answering.
    slow: dict[str, int] = field(default_factory=dict)
    #: ext_id → how many PUTs are refused (an organizer the service does not know yet).
    refusals: dict[str, int] = field(default_factory=dict)

    def on(self, ext_id: str) -> list[tuple[str, int]]:
        return [(c.method, c.status) for c in self.calls if c.ext_id == ext_id]

    async def _admit(self, call: Call) -> None:
        self.calls.append(call)
        if self.slow.get(call.ext_id, 0) > 0:
            self.slow[call.ext_id] -= 1
            await asyncio.sleep(2)
        if self.outages.get(call.ext_id, 0) > 0:
            self.outages[call.ext_id] -= 1
            call.status = 503
            raise Unavailable("Down for maintenance.")
        identity = call.identity
        if not (
            identity.is_staff or (identity.role is Role.PARTNER and identity.partner == call.source)
        ):
            call.status = 403
            raise Forbidden(f"Only {call.source} writes its events.")

    def app(self) -> FastAPI:
        router = APIRouter()

        @router.put("/v1/events/ext/{source}/{ext_id}")
        async def upsert(
            source: str, ext_id: str, request: Request, identity: CurrentIdentity
        ) -> Response:
            body = orjson.loads(await request.body())
            call = Call("PUT", source, ext_id, identity, body)
            await self._admit(call)
            if not body.get("title"):
                call.status = 422
                raise InvalidInput("title", "Field required")
            if self.refusals.get(ext_id, 0) > 0:
                self.refusals[ext_id] -= 1
                call.status = 422
                raise InvalidInput("organizer_ids[0]", "unknown actor")
            key = (source, ext_id)
            call.status = 200 if key in self.events else 201
            self.events[key] = body
            headers = {"location": f"/v1/events/{source}-{ext_id}"} if call.status == 201 else None
            return Response(orjson.dumps(body), status_code=call.status, headers=headers)

        @router.delete("/v1/events/ext/{source}/{ext_id}")
        async def cancel(source: str, ext_id: str, identity: CurrentIdentity) -> Response:
            call = Call("DELETE", source, ext_id, identity, None)
            await self._admit(call)
            if (source, ext_id) not in self.events:
                call.status = 404
                raise NotFound(f"No event {ext_id} from {source}.")
            self.cancelled.add((source, ext_id))
            call.status = 200
            return Response(orjson.dumps({"status": "cancelled"}), status_code=200)

        return fake_service("events", router)


@dataclass
class Forwarding:
    client: httpx.AsyncClient
    events: FakeEvents
    settings: Settings
    slug: str
    secret: str

    async def push(self, push_type: str, record_id: str, **fields: Any) -> int:
        body = push_body(push_type, record_id, **fields)
        response = await self.client.post(
            f"/v1/partners/{self.slug}/inbox", content=body, headers=signed(self.secret, body)
        )
        assert response.status_code == 202, response.text
        message_id: int = response.json()["id"]
        return message_id

    async def messages(self) -> dict[int, dict[str, Any]]:
        response = await self.client.get(
            f"/v1/partners/{self.slug}/inbox/messages", headers=ADMIN, params={"limit": 200}
        )
        assert response.status_code == 200, response.text
        return {m["id"]: m for m in response.json()["items"]}

    async def settled(self, *message_ids: int, within: float = 15) -> dict[int, dict[str, Any]]:
        """The messages, once none of ``message_ids`` is pending any more."""

        async def probe() -> dict[int, dict[str, Any]] | None:
            found = await self.messages()
            done = all(found[i]["status"] != "pending" for i in message_ids)
            return found if done else None

        return await wait_until(probe, within=within, what=f"messages {message_ids} settled")

    @contextlib.asynccontextmanager
    async def forwarder(self, **overrides: Any) -> AsyncIterator[None]:
        """A worker's forwarder running until the block exits (a restart is a new block)."""
        settings = self.settings.model_copy(update=overrides)
        database = Database(settings.database_url)
        task = asyncio.create_task(partner_forwarder(settings, database).run())
        try:
            yield
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await database.dispose()


@pytest.fixture(params=BACKENDS)
async def forwarding(
    request: pytest.FixtureRequest, database_factory: DatabaseFactory
) -> AsyncIterator[Forwarding]:
    events = FakeEvents()
    url = await migrated_database(database_factory, request.param)
    async with served(events.app()) as events_url:
        settings = gateway_settings(
            database_url=url,
            events_url=events_url,
            partner_forward_retry_seconds=[0.05, 0.1, 0.2],
            partner_forward_poll_seconds=0.02,
        )
        async with (
            served(create_app(settings), http="httptools") as gateway_url,
            httpx.AsyncClient(base_url=gateway_url, timeout=10) as client,
        ):
            slug = new_slug("openagenda")
            created = await client.post(
                "/v1/partners", json={"slug": slug, "name": "OpenAgenda"}, headers=ADMIN
            )
            assert created.status_code == 201, created.text
            yield Forwarding(client, events, settings, slug, created.json()["secret"])


async def test_pushes_become_puts_and_deletes_by_external_id_as_the_partner(
    forwarding: Forwarding,
) -> None:
    fields = {"title": "Nuit des étoiles", "kind": "visit", "timings": []}
    async with forwarding.forwarder():
        upserted = await forwarding.push("event.upserted", "8817", **fields)
        deleted = await forwarding.push("event.deleted", "8817")
        found = await forwarding.settled(upserted, deleted)

    assert found[upserted]["status"] == "forwarded"
    assert found[deleted]["status"] == "forwarded"
    assert forwarding.events.on("8817") == [("PUT", 201), ("DELETE", 200)]
    put = forwarding.events.calls[0]
    assert put.body == fields  # data without its id
    assert put.identity == Identity(
        subject=f"partner:{forwarding.slug}", role=Role.PARTNER, partner=forwarding.slug
    )
    assert (forwarding.slug, "8817") in forwarding.events.cancelled
    [attempt] = found[upserted]["attempts"]
    assert attempt["request"] == f"PUT /v1/events/ext/{forwarding.slug}/8817"
    assert attempt["status_code"] == 201
    assert attempt["duration_ms"] >= 0
    assert "Nuit des étoiles" in attempt["response_excerpt"]
    assert found[upserted]["finished_at"] is not None


async def test_a_5xx_is_retried_until_the_service_takes_the_push(
    forwarding: Forwarding,
) -> None:
    forwarding.events.outages["r5"] = 2
    async with forwarding.forwarder():
        message = await forwarding.push("event.upserted", "r5", title="Forum mer et littoral")
        found = await forwarding.settled(message)

    assert found[message]["status"] == "forwarded"
    assert [a["status_code"] for a in found[message]["attempts"]] == [503, 503, 201]
    assert all(a["next_attempt_at"] for a in found[message]["attempts"][:2])
    assert found[message]["attempts"][2]["next_attempt_at"] is None
    assert forwarding.events.events[(forwarding.slug, "r5")]["title"] == "Forum mer et littoral"


async def test_a_push_the_service_refuses_is_rejected_with_its_reason_and_not_retried(
    forwarding: Forwarding,
) -> None:
    async with forwarding.forwarder():
        refused = await forwarding.push("event.upserted", "bad", summary="no title")
        unknown = await forwarding.push("event.deleted", "never-pushed")
        found = await forwarding.settled(refused, unknown)
        # A later push forwarded: the forwarder went on, and had time to retry the others.
        later = await forwarding.push("event.upserted", "good", title="Atelier")
        await forwarding.settled(later)
        found_again = await forwarding.messages()

    assert found[refused]["status"] == "rejected"
    assert "title: Field required" in found[refused]["reason"]
    assert found[refused]["reason"].startswith("422")
    assert found[unknown]["status"] == "rejected"
    assert found[unknown]["reason"].startswith("404")
    assert len(found_again[refused]["attempts"]) == 1
    assert forwarding.events.on("bad") == [("PUT", 422)]
    assert forwarding.events.on("never-pushed") == [("DELETE", 404)]


async def test_changes_to_one_record_reach_the_service_in_the_order_received(
    forwarding: Forwarding,
) -> None:
    forwarding.events.outages["r7"] = 3
    async with forwarding.forwarder():
        upserted = await forwarding.push("event.upserted", "r7", title="Fête de la science")
        deleted = await forwarding.push("event.deleted", "r7")
        other = await forwarding.push("event.upserted", "r8", title="Conférence")
        await forwarding.settled(upserted, deleted, other)

    assert forwarding.events.on("r7") == [
        ("PUT", 503),
        ("PUT", 503),
        ("PUT", 503),
        ("PUT", 201),
        ("DELETE", 200),
    ]
    assert forwarding.events.on("r8") == [("PUT", 201)]


async def test_no_push_is_lost_while_the_service_is_unreachable_or_the_worker_restarts(
    forwarding: Forwarding,
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    async with forwarding.forwarder(events_url=dead):
        message = await forwarding.push("event.upserted", "r9", title="Exposition")

        async def tried_twice() -> dict[str, Any] | None:
            found = (await forwarding.messages())[message]
            return found if len(found["attempts"]) >= 2 else None

        failing = await wait_until(tried_twice, what="two failed attempts")
    assert failing["status"] == "pending"
    assert all(a["status_code"] is None and a["error"] for a in failing["attempts"])

    async with forwarding.forwarder():  # the worker restarts, the service is back
        found = await forwarding.settled(message)

    assert found[message]["status"] == "forwarded"
    assert found[message]["attempts"][-1]["status_code"] == 201
    assert forwarding.events.on("r9") == [("PUT", 201)]


async def test_a_rejected_push_is_sent_again_on_request_unless_a_later_one_superseded_it(
    forwarding: Forwarding,
) -> None:
    forwarding.events.refusals["late"] = 1
    path = f"/v1/partners/{forwarding.slug}/inbox/messages"
    async with forwarding.forwarder():
        first = await forwarding.push("event.upserted", "late", title="Conférence")
        rejected = (await forwarding.settled(first))[first]
        retried = await forwarding.client.post(f"{path}/{first}/retry", headers=ADMIN)
        found = await forwarding.settled(first)
        again = await forwarding.client.post(f"{path}/{first}/retry", headers=ADMIN)
        old = await forwarding.push("event.upserted", "gone", summary="no title")
        await forwarding.settled(old)
        newer = await forwarding.push("event.upserted", "gone", title="Corrigé")
        await forwarding.settled(newer)
        superseded = await forwarding.client.post(f"{path}/{old}/retry", headers=ADMIN)
        missing = await forwarding.client.post(f"{path}/999999/retry", headers=ADMIN)
        beyond = await forwarding.client.post(f"{path}/{2**63}/retry", headers=ADMIN)

    assert rejected["status"] == "rejected"
    assert "organizer_ids[0]: unknown actor" in rejected["reason"]
    assert retried.status_code == 200, retried.text
    assert retried.json()["status"] == "pending"
    assert found[first]["status"] == "forwarded"
    assert [a["status_code"] for a in found[first]["attempts"]] == [422, 201]
    assert again.status_code == 409
    assert superseded.status_code == 409
    assert "superseded" in superseded.json()["detail"]
    assert missing.status_code == 404
    assert beyond.status_code == 422, beyond.text  # was a 500 (no BIGINT holds 2^63)
    assert beyond.json()["errors"][0]["field"] == "path.message_id"
    assert forwarding.events.events[(forwarding.slug, "gone")]["title"] == "Corrigé"
    assert forwarding.events.on("gone") == [("PUT", 422), ("PUT", 201)]


async def test_two_workers_forward_each_push_once(forwarding: Forwarding) -> None:
    async with forwarding.forwarder(), forwarding.forwarder():
        pushed = [
            await forwarding.push("event.upserted", f"busy-{n}", title=f"Atelier {n}")
            for n in range(20)
        ]
        await forwarding.settled(*pushed)

    assert sorted(c.ext_id for c in forwarding.events.calls) == sorted(
        f"busy-{n}" for n in range(20)
    )


async def test_forwarded_pushes_and_received_ids_are_forgotten_after_the_retention_period(
    forwarding: Forwarding,
) -> None:
    body = push_body("event.upserted", "kept", title="Rencontre")
    headers = signed(forwarding.secret, body)
    inbox = f"/v1/partners/{forwarding.slug}/inbox"
    async with forwarding.forwarder():  # the default retention: nothing is old enough
        accepted = await forwarding.client.post(inbox, content=body, headers=headers)
        refused = await forwarding.push("event.upserted", "refused", summary="no title")
        await forwarding.settled(accepted.json()["id"], refused)
    assert set(await forwarding.messages()) == {accepted.json()["id"], refused}

    async with forwarding.forwarder(partner_inbox_retention_days=0):
        await wait_until(
            lambda: _ids_left(forwarding, {refused}), what="forwarded pushes forgotten"
        )
        # The repeat of a forgotten id is a new push again (idempotent at the service).
        again = signed(forwarding.secret, body, webhook_id=headers["webhook-id"])
        repeated = await forwarding.client.post(inbox, content=body, headers=again)

    assert repeated.status_code == 202, repeated.text
    assert (await forwarding.messages())[refused]["status"] == "rejected"


async def _ids_left(forwarding: Forwarding, expected: set[int]) -> bool:
    return set(await forwarding.messages()) == expected


async def test_a_service_that_answers_too_late_gets_the_push_again(
    forwarding: Forwarding,
) -> None:
    forwarding.events.slow["late"] = 1
    async with forwarding.forwarder(partner_forward_timeout_seconds=0.5):
        message = await forwarding.push("event.upserted", "late", title="Visite du muséum")
        found = await forwarding.settled(message)

    first, second = found[message]["attempts"]
    assert first["status_code"] is None
    assert first["error"] == "no answer in time"  # words, as for webhooks: no Python repr
    assert first["duration_ms"] >= 400
    assert second["status_code"] in (200, 201)  # the late first call may have landed too
    assert found[message]["status"] == "forwarded"
