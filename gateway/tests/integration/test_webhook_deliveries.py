"""Webhooks out end to end: NATS events → the gateway worker → a local receiver that checks
every signature with the ``standardwebhooks`` reference library."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats
import orjson
import pytest
from pydantic import SecretStr
from standardwebhooks import Webhook

from gateway.config import Settings
from gateway.main import create_app
from gateway.worker import webhook_worker
from kit.broker import ensure_streams
from kit.cloudevents import CloudEvent
from kit.settings import DEV_IDENTITY_SECRET, CommonSettings
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory
from kit.testing.polling import wait_until

from .conftest import ADMIN_KEY, Stack, gateway_settings, migrated_database, served

ADMIN = {"authorization": f"Bearer {ADMIN_KEY}"}
PATH = "/v1/webhooks/endpoints"


@dataclass
class Receiver:
    """Records what it is sent; answers each path from a script (then 200)."""

    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    scripts: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    #: Seconds a path takes to answer.
    slow: dict[str, float] = field(default_factory=dict)

    def on(self, path: str) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for p, h, b in self.received if p == path]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.received.append((scope["path"], headers, body))
        await asyncio.sleep(self.slow.get(scope["path"], 0))
        script = self.scripts.get(scope["path"]) or []
        status, extra = script.pop(0) if script else (200, {})
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in extra.items()],
            }
        )
        await send({"type": "http.response.body", "body": b"thanks " + str(status).encode()})


@dataclass
class Webhooks:
    client: httpx.AsyncClient
    receiver: Receiver
    receiver_url: str
    nats_url: str
    settings: Settings

    async def subscribe(self, path: str, event_types: list[str]) -> dict[str, Any]:
        response = await self.client.post(
            PATH,
            json={"url": self.receiver_url + path, "event_types": event_types},
            headers=ADMIN,
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    async def publish(self, *events: CloudEvent, dedupe: bool = True) -> None:
        connection = await nats.connect(self.nats_url)
        try:
            js = connection.jetstream()
            await ensure_streams(js, ["DIRECTORY", "EVENTS"])
            for event in events:
                headers = {"Nats-Msg-Id": event.id} if dedupe else None
                await js.publish(event.type, event.to_json(), headers=headers)
        finally:
            await connection.close()

    async def deliveries(self, endpoint_id: str) -> list[dict[str, Any]]:
        response = await self.client.get(f"{PATH}/{endpoint_id}/deliveries", headers=ADMIN)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    """A nats-server of this test's own: the session's shared one holds every other test's
    events, which the worker's durable consumers would deliver too."""
    with NatsServer(tmp_path / "nats") as server:
        yield server


@pytest.fixture(params=BACKENDS)
async def webhooks(
    request: pytest.FixtureRequest,
    stack: Stack,
    own_nats: NatsServer,
    database_factory: DatabaseFactory,
) -> AsyncIterator[Webhooks]:
    """A gateway and its worker on a new database, and a receiver on 127.0.0.1."""
    nats_server = own_nats
    database_url = await migrated_database(database_factory, request.param)
    settings = gateway_settings(
        directory_url=stack.directory_url,
        events_url=stack.events_url,
        surveys_url=stack.surveys_url,
        eu_watch_url=stack.eu_watch_url,
        database_url=database_url,
        webhook_retry_schedule_seconds=[0.0, 0.2, 0.2],
        webhook_poll_seconds=0.05,
        webhook_timeout_seconds=5,
        common=CommonSettings(
            nats_url=nats_server.url, identity_secret=SecretStr(DEV_IDENTITY_SECRET)
        ),
    )
    receiver = Receiver()
    async with (
        served(receiver) as receiver_url,
        served(create_app(settings), http="httptools") as gateway_url,
        httpx.AsyncClient(base_url=gateway_url, timeout=10) as client,
        webhook_worker(settings),
    ):
        yield Webhooks(client, receiver, receiver_url, nats_server.url, settings)


def registration(**data: Any) -> CloudEvent:
    return CloudEvent(
        source="/events",
        type="events.registration.confirmed",
        subject=str(uuid.uuid4()),
        data={"id": str(uuid.uuid4()), "event_title": "Fête", "name": "Ada", "email": "a@x.org"}
        | data,
    )


def actor_updated() -> CloudEvent:
    return CloudEvent(
        source="/directory",
        type="directory.actor.updated",
        data={"id": str(uuid.uuid4()), "name": "Muséum de Toulouse"},
    )


async def test_each_event_reaches_its_subscribers_signed_and_without_personal_fields(
    webhooks: Webhooks,
) -> None:
    agenda = await webhooks.subscribe("/agenda", ["events.*"])
    actors = await webhooks.subscribe("/actors", ["directory.actor.*"])
    signup, change = registration(), actor_updated()

    await webhooks.publish(signup, change)
    await wait_until(
        lambda: _async(webhooks.receiver.on("/agenda") and webhooks.receiver.on("/actors")),
        what="both endpoints receive their event",
    )

    [(agenda_headers, body)] = webhooks.receiver.on("/agenda")
    sent = Webhook(agenda["secret"]).verify(body, agenda_headers)
    assert sent["type"] == "events.registration.confirmed"
    assert sent["data"] == {"id": signup.data["id"], "event_title": "Fête"}
    assert b"Ada" not in body
    assert b"a@x.org" not in body
    [(headers, body)] = webhooks.receiver.on("/actors")
    sent = Webhook(actors["secret"]).verify(body, headers)
    assert sent == {
        "type": "directory.actor.updated",
        "timestamp": sent["timestamp"],
        "data": change.data,
    }

    async def recorded() -> list[dict[str, Any]] | None:
        items = await webhooks.deliveries(agenda["id"])
        return items if items and items[0]["status"] != "pending" else None

    [delivery] = await wait_until(recorded, what="the attempt is recorded")
    assert delivery["id"] == agenda_headers["webhook-id"]
    assert delivery["event_id"] == signup.id
    assert delivery["status"] == "succeeded"
    assert [a["status_code"] for a in delivery["attempts"]] == [200]
    assert delivery["attempts"][0]["response_excerpt"] == "thanks 200"


async def test_an_event_read_twice_is_delivered_once(webhooks: Webhooks) -> None:
    agenda = await webhooks.subscribe("/agenda", ["events.registration.confirmed"])
    signup, sentinel = registration(), registration(event_title="Later")

    await webhooks.publish(signup, signup, sentinel, dedupe=False)
    await wait_until(
        lambda: _async(len(webhooks.receiver.on("/agenda")) >= 2), what="the sentinel arrives"
    )

    titles = [orjson.loads(b)["data"]["event_title"] for _, b in webhooks.receiver.on("/agenda")]
    assert sorted(titles) == ["Fête", "Later"]
    assert len(await webhooks.deliveries(agenda["id"])) == 2


async def test_failures_are_retried_with_the_same_id_and_every_attempt_is_logged(
    webhooks: Webhooks,
) -> None:
    flaky = await webhooks.subscribe("/flaky", ["*"])
    webhooks.receiver.scripts["/flaky"] = [(500, {}), (503, {"retry-after": "0"})]

    await webhooks.publish(registration())
    await wait_until(
        lambda: _async(len(webhooks.receiver.on("/flaky")) == 3), what="a third attempt"
    )

    tries = webhooks.receiver.on("/flaky")
    assert len({h["webhook-id"] for h, _ in tries}) == 1
    for headers, body in tries:
        Webhook(flaky["secret"]).verify(body, headers)

    async def settled() -> list[dict[str, Any]] | None:
        items = await webhooks.deliveries(flaky["id"])
        return items if items and items[0]["status"] == "succeeded" else None

    [delivery] = await wait_until(settled, what="the delivery succeeds")
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 200]
    assert delivery["attempts"][0]["next_attempt_at"] is not None
    assert delivery["attempts"][-1]["next_attempt_at"] is None
    assert delivery["id"] == tries[0][0]["webhook-id"]


async def test_a_receiver_that_keeps_failing_is_given_up_on(webhooks: Webhooks) -> None:
    down = await webhooks.subscribe("/down", ["*"])
    webhooks.receiver.scripts["/down"] = [(500, {})] * 10

    await webhooks.publish(registration())

    async def failed() -> list[dict[str, Any]] | None:
        items = await webhooks.deliveries(down["id"])
        return items if items and items[0]["status"] == "failed" else None

    [delivery] = await wait_until(failed, what="the delivery gives up")
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 500]
    assert len(webhooks.receiver.on("/down")) == 3


async def test_a_410_disables_the_endpoint(webhooks: Webhooks) -> None:
    gone = await webhooks.subscribe("/gone", ["*"])
    webhooks.receiver.scripts["/gone"] = [(410, {})]

    await webhooks.publish(registration())

    async def disabled() -> dict[str, Any] | None:
        response = await webhooks.client.get(f"{PATH}/{gone['id']}", headers=ADMIN)
        endpoint: dict[str, Any] = response.json()
        return endpoint if endpoint["status"] == "disabled" else None

    endpoint = await wait_until(disabled, what="the endpoint is disabled")
    assert "410" in endpoint["disabled_reason"]
    await webhooks.publish(registration())
    [delivery] = await webhooks.deliveries(gone["id"])
    assert delivery["status"] == "failed"


async def test_a_slow_receiver_does_not_hold_up_the_others(webhooks: Webhooks) -> None:
    slow = await webhooks.subscribe("/slow", ["*"])
    await webhooks.subscribe("/quick", ["*"])
    webhooks.receiver.slow["/slow"] = 2.0
    started = time.monotonic()

    await webhooks.publish(registration())
    await wait_until(lambda: _async(webhooks.receiver.on("/quick")), what="a quick delivery")

    assert time.monotonic() - started < 1.8  # not after the slow receiver's 2 s

    async def slow_done() -> bool:
        items = await webhooks.deliveries(slow["id"])
        return bool(items) and items[0]["status"] == "succeeded"

    await wait_until(slow_done, what="the slow delivery succeeds too")


async def test_two_workers_send_each_delivery_once(webhooks: Webhooks) -> None:
    await webhooks.subscribe("/shared", ["*"])

    async with webhook_worker(webhooks.settings):
        await webhooks.publish(*(registration() for _ in range(20)))
        await wait_until(
            lambda: _async(len(webhooks.receiver.on("/shared")) >= 20), what="20 deliveries"
        )
        await asyncio.sleep(0.5)  # room for a duplicate to show up, were there one

    ids = [h["webhook-id"] for h, _ in webhooks.receiver.on("/shared")]
    assert len(ids) == len(set(ids)) == 20


async def _async(value: Any) -> Any:
    return value
