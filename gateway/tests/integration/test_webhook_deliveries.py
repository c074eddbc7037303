"""Webhooks out end to end: NATS events → the gateway worker → a local receiver that checks
every signature with the ``standardwebhooks`` reference library. Then operating endpoints:
pings, resends, recovery, disabling after days of failures (the worker's clock moved ahead),
and the order of a record's changes."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import nats
import orjson
import pytest
from nats.js.api import ConsumerConfig, DeliverPolicy
from pydantic import SecretStr
from standardwebhooks import Webhook

from gateway.config import Settings
from gateway.main import create_app
from gateway.worker import webhook_worker
from kit.broker import ensure_streams
from kit.cloudevents import CloudEvent
from kit.models import utcnow
from kit.settings import DEV_IDENTITY_SECRET, CommonSettings
from kit.testing.apps import served
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory
from kit.testing.polling import wait_until

from .conftest import ADMIN_KEY, Stack, gateway_settings, migrated_database

ADMIN = {"authorization": f"Bearer {ADMIN_KEY}"}
PATH = "/v1/webhooks/endpoints"


@dataclass
class Receiver:
    """Records what it is sent; answers each path from a script (then 200)."""

    received: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    scripts: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    #: Seconds a path takes to answer.
    slow: dict[str, float] = field(default_factory=dict)
    #: Per path, bodies containing a text get a 500 so many times.
    refuse: dict[str, dict[bytes, int]] = field(default_factory=dict)

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
        refusals = self.refuse.get(scope["path"], {})
        for text, times in refusals.items():
            if times > 0 and text in body:
                refusals[text] = times - 1
                status = 500
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in extra.items()],
            }
        )
        await send({"type": "http.response.body", "body": b"thanks " + str(status).encode()})


@dataclass
class Clock:
    """The worker's time: real time, moved ahead at will."""

    ahead: timedelta = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.ahead


@dataclass
class Webhooks:
    client: httpx.AsyncClient
    receiver: Receiver
    receiver_url: str
    nats_url: str
    settings: Settings
    clock: Clock
    #: Closed when the test ends (connections a test opened).
    cleanups: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

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
        webhook_concurrency=16,
        webhook_endpoint_concurrency=4,
        common=CommonSettings(
            nats_url=nats_server.url, identity_secret=SecretStr(DEV_IDENTITY_SECRET)
        ),
    )
    receiver, clock = Receiver(), Clock()
    async with (
        served(receiver) as receiver_url,
        served(create_app(settings), http="httptools") as gateway_url,
        httpx.AsyncClient(base_url=gateway_url, timeout=10) as client,
        webhook_worker(settings, clock=clock),
    ):
        hooks = Webhooks(client, receiver, receiver_url, nats_server.url, settings, clock)
        try:
            yield hooks
        finally:
            for cleanup in hooks.cleanups:
                await cleanup()


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
        data={
            "id": str(uuid.uuid4()),
            "name": "Muséum de Toulouse",
            "membership": {"member": True, "since": "2019-03-01", "paid_until": None},
        },
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
        "data": {"id": change.data["id"], "name": "Muséum de Toulouse"},
    }
    assert b"membership" not in body  # internal consumers get it over NATS, webhooks never

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


async def test_a_receiver_with_a_backlog_takes_only_its_share_of_the_slots(
    webhooks: Webhooks,
) -> None:
    await webhooks.subscribe("/stuck", ["events.*"])
    await webhooks.subscribe("/quick", ["directory.*"])
    webhooks.receiver.slow["/stuck"] = 1.0
    await webhooks.publish(*(registration() for _ in range(20)))  # more than the 16 slots
    await wait_until(
        lambda: _async(len(webhooks.receiver.on("/stuck")) >= 4), what="the stuck receiver busy"
    )
    started = time.monotonic()

    await webhooks.publish(actor_updated())
    await wait_until(lambda: _async(webhooks.receiver.on("/quick")), what="a quick delivery")

    assert time.monotonic() - started < 0.8  # not behind the stuck receiver's backlog
    assert len(webhooks.receiver.on("/stuck")) == 4  # 4 at a time, each taking 1 s


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


# Operating endpoints


async def delivery_where(
    webhooks: Webhooks, endpoint_id: str, what: str, check: Any
) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        items = await webhooks.deliveries(endpoint_id)
        return items[0] if items and check(items[0]) else None

    return await wait_until(probe, what=what)


async def read_endpoint(webhooks: Webhooks, endpoint_id: str) -> dict[str, Any]:
    response = await webhooks.client.get(f"{PATH}/{endpoint_id}", headers=ADMIN)
    assert response.status_code == 200, response.text
    endpoint: dict[str, Any] = response.json()
    return endpoint


async def test_a_ping_is_signed_sent_now_and_its_outcome_answered(webhooks: Webhooks) -> None:
    endpoint = await webhooks.subscribe("/ping", ["events.*"])

    response = await webhooks.client.post(f"{PATH}/{endpoint['id']}/test", headers=ADMIN)

    assert response.status_code == 200, response.text
    delivery = response.json()
    assert delivery["event_type"] == "webhook.ping"
    assert delivery["status"] == "succeeded"
    assert [a["status_code"] for a in delivery["attempts"]] == [200]
    [(headers, body)] = webhooks.receiver.on("/ping")
    sent = Webhook(endpoint["secret"]).verify(body, headers)
    assert sent["type"] == "webhook.ping"
    assert sent["data"] == {"endpoint_id": endpoint["id"]}
    assert headers["webhook-id"] == delivery["id"]


async def test_a_failed_ping_says_so_and_is_retried(webhooks: Webhooks) -> None:
    endpoint = await webhooks.subscribe("/ping-down", ["events.*"])
    webhooks.receiver.scripts["/ping-down"] = [(503, {})]

    response = await webhooks.client.post(f"{PATH}/{endpoint['id']}/test", headers=ADMIN)

    delivery = response.json()
    assert delivery["status"] == "pending"
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] == 503
    assert attempt["next_attempt_at"] is not None
    retried = await delivery_where(
        webhooks, endpoint["id"], "the retry succeeds", lambda d: d["status"] == "succeeded"
    )
    assert [a["status_code"] for a in retried["attempts"]] == [503, 200]


async def test_resend_sends_a_settled_delivery_again_with_the_same_id(webhooks: Webhooks) -> None:
    endpoint = await webhooks.subscribe("/again", ["events.*"])
    await webhooks.publish(registration())
    first = await delivery_where(
        webhooks, endpoint["id"], "the delivery succeeds", lambda d: d["status"] == "succeeded"
    )
    resend = f"{PATH}/{endpoint['id']}/deliveries/{first['id']}/resend"

    response = await webhooks.client.post(resend, headers=ADMIN)

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"
    again = await delivery_where(
        webhooks,
        endpoint["id"],
        "the second attempt is recorded",
        lambda d: d["status"] == "succeeded" and len(d["attempts"]) == 2,
    )
    assert again["id"] == first["id"]
    tries = webhooks.receiver.on("/again")
    assert [h["webhook-id"] for h, _ in tries] == [first["id"], first["id"]]
    for headers, body in tries:
        Webhook(endpoint["secret"]).verify(body, headers)
    missing = await webhooks.client.post(
        f"{PATH}/{endpoint['id']}/deliveries/msg_nope/resend", headers=ADMIN
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


async def test_resending_a_delivery_still_under_way_is_a_conflict(webhooks: Webhooks) -> None:
    endpoint = await webhooks.subscribe("/queued", ["events.*"])
    webhooks.receiver.slow["/queued"] = 1.5
    await webhooks.publish(registration())
    await wait_until(lambda: _async(webhooks.receiver.on("/queued")), what="a delivery starts")
    [pending] = await webhooks.deliveries(endpoint["id"])

    response = await webhooks.client.post(
        f"{PATH}/{endpoint['id']}/deliveries/{pending['id']}/resend", headers=ADMIN
    )

    assert pending["status"] == "pending"
    assert response.status_code == 409
    assert response.json()["type"].endswith("webhook-delivery-pending")


async def test_recover_requeues_the_failed_deliveries_since_a_time(webhooks: Webhooks) -> None:
    endpoint = await webhooks.subscribe("/outage", ["events.*"])
    webhooks.receiver.scripts["/outage"] = [(200, {})] + [(500, {})] * 6
    await webhooks.publish(registration(event_title="before"))
    await delivery_where(
        webhooks, endpoint["id"], "the first succeeds", lambda d: d["status"] == "succeeded"
    )
    since = datetime.now(UTC)
    await webhooks.publish(registration(event_title="one"), registration(event_title="two"))

    async def both_failed() -> list[dict[str, Any]] | None:
        items = await webhooks.deliveries(endpoint["id"])
        failed = [d for d in items if d["status"] == "failed"]
        return failed if len(failed) == 2 else None

    await wait_until(both_failed, what="the outage's deliveries give up")
    assert len(webhooks.receiver.on("/outage")) == 1 + 2 * 3
    recover = f"{PATH}/{endpoint['id']}/recover"

    response = await webhooks.client.post(recover, json={"since": since.isoformat()}, headers=ADMIN)

    assert response.status_code == 200, response.text
    assert response.json()["requeued"] == 2
    assert response.json()["pending"] == 2

    async def all_succeeded() -> list[dict[str, Any]] | None:
        items = await webhooks.deliveries(endpoint["id"])
        return items if all(d["status"] == "succeeded" for d in items) else None

    await wait_until(all_succeeded, what="the recovered deliveries succeed")
    titles = [orjson.loads(b)["data"]["event_title"] for _, b in webhooks.receiver.on("/outage")]
    assert sorted(titles[-2:]) == ["one", "two"]
    assert titles.count("before") == 1  # a success before ``since`` is not sent again
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    bad = await webhooks.client.post(recover, json={"since": future}, headers=ADMIN)
    naive = await webhooks.client.post(recover, json={"since": "2026-01-01T00:00"}, headers=ADMIN)
    for response in (bad, naive):
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"].endswith("since")


async def test_an_endpoint_failing_for_five_days_is_disabled_and_its_owner_told(
    webhooks: Webhooks,
) -> None:
    endpoint = await webhooks.subscribe("/dying", ["events.*"])
    webhooks.receiver.scripts["/dying"] = [(500, {})] * 3 + [(200, {})] + [(500, {})] * 100
    told = await _disabled_events(webhooks)

    async def settle(count: int) -> None:
        async def done() -> bool:
            items = await webhooks.deliveries(endpoint["id"])
            return len(items) == count and all(d["status"] != "pending" for d in items)

        await wait_until(done, what=f"{count} deliveries settle")

    await webhooks.publish(registration())  # fails three times, gives up
    await settle(1)
    first_failure = (await read_endpoint(webhooks, endpoint["id"]))["failing_since"]
    assert first_failure is not None
    webhooks.clock.ahead = timedelta(days=4)
    await webhooks.publish(registration())  # succeeds: the failures are forgiven
    await settle(2)
    assert (await read_endpoint(webhooks, endpoint["id"]))["failing_since"] is None
    webhooks.clock.ahead = timedelta(days=6)
    await webhooks.publish(registration())  # fails again: five days start over
    await settle(3)
    failing = await read_endpoint(webhooks, endpoint["id"])
    assert failing["status"] == "active"
    assert failing["failing_since"] > first_failure
    webhooks.clock.ahead = timedelta(days=10, hours=23)
    await webhooks.publish(registration())
    await settle(4)
    assert (await read_endpoint(webhooks, endpoint["id"]))["status"] == "active"

    webhooks.clock.ahead = timedelta(days=11, minutes=1)
    await webhooks.publish(registration())

    async def disabled() -> dict[str, Any] | None:
        read = await read_endpoint(webhooks, endpoint["id"])
        return read if read["status"] == "disabled" else None

    read = await wait_until(disabled, what="the endpoint is disabled")
    assert "5 days" in read["disabled_reason"]
    event = await wait_until(told.next, what="the owner is told")
    assert event.type == "gateway.webhook_endpoint.disabled"
    assert event.subject == endpoint["id"]
    assert event.data["endpoint_id"] == endpoint["id"]
    assert event.data["partner"] is None
    assert event.data["created_by"] == read["created_by"]
    assert event.data["reason"] == read["disabled_reason"]
    assert await told.next() is None  # told once

    # Re-enabling forgets the failures; the pending delivery goes out again.
    webhooks.receiver.scripts["/dying"] = []
    enabled = await webhooks.client.patch(
        f"{PATH}/{endpoint['id']}", json={"disabled": False}, headers=ADMIN
    )
    assert enabled.json()["status"] == "active"
    assert enabled.json()["failing_since"] is None
    assert enabled.json()["disabled_reason"] is None
    await delivery_where(
        webhooks, endpoint["id"], "the last one succeeds", lambda d: d["status"] == "succeeded"
    )


async def test_a_410_disables_the_endpoint_and_tells_its_owner(webhooks: Webhooks) -> None:
    endpoint = await webhooks.subscribe("/gone-away", ["events.*"])
    webhooks.receiver.scripts["/gone-away"] = [(410, {})]
    told = await _disabled_events(webhooks)

    await webhooks.publish(registration())

    event = await wait_until(told.next, what="the owner is told")
    assert event.data["endpoint_id"] == endpoint["id"]
    assert "410" in event.data["reason"]


async def test_a_records_changes_arrive_in_order_even_when_the_first_is_retried(
    webhooks: Webhooks,
) -> None:
    endpoint = await webhooks.subscribe("/ordered", ["events.*"])
    webhooks.receiver.refuse["/ordered"] = {b"change 1": 2}
    record = str(uuid.uuid4())
    changes = [registration(event_title=f"change {n}") for n in range(1, 4)]
    for change in changes:
        change.subject = record
    other = registration(event_title="another record")

    await webhooks.publish(*changes, other)

    async def all_succeeded() -> list[dict[str, Any]] | None:
        items = await webhooks.deliveries(endpoint["id"])
        done = len(items) == 4 and all(d["status"] == "succeeded" for d in items)
        return items if done else None

    await wait_until(all_succeeded, what="every change is delivered")
    titles = [orjson.loads(b)["data"]["event_title"] for _, b in webhooks.receiver.on("/ordered")]
    mine = [t for t in titles if t != "another record"]
    # The first change failed twice; the later ones waited for it.
    assert mine == ["change 1", "change 1", "change 1", "change 2", "change 3"]
    # Another record's change did not wait behind this one's retries.
    assert titles.index("another record") < titles.index("change 2")


class _Told:
    def __init__(self, subscription: Any) -> None:
        self.subscription = subscription

    async def next(self) -> CloudEvent | None:
        try:
            [message] = await self.subscription.fetch(1, timeout=0.5)
        except TimeoutError:
            return None
        await message.ack()
        return CloudEvent.from_json(message.data)


async def _disabled_events(webhooks: Webhooks) -> _Told:
    """What other services will read on the GATEWAY stream about disabled endpoints."""
    connection = await nats.connect(webhooks.nats_url)
    js = connection.jetstream()
    await ensure_streams(js, ["GATEWAY"])
    subscription = await js.pull_subscribe(
        "gateway.webhook_endpoint.disabled",
        durable=f"test-{uuid.uuid4().hex[:8]}",
        stream="GATEWAY",
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
    )
    webhooks.cleanups.append(connection.close)
    return _Told(subscription)


async def test_a_partners_endpoint_gets_no_registrations_even_subscribed_to_everything(
    webhooks: Webhooks,
) -> None:
    key = await webhooks.client.post(
        "/v1/api-keys",
        json={"name": "echo", "role": "partner", "partner": "echosciences"},
        headers=ADMIN,
    )
    partner = {"authorization": f"Bearer {key.json()['key']}"}
    response = await webhooks.client.post(
        PATH,
        json={"url": webhooks.receiver_url + "/partner", "event_types": ["*"]},
        headers=partner,
    )
    assert response.status_code == 201, response.text
    await webhooks.subscribe("/network", ["*"])

    await webhooks.publish(registration(), actor_updated())
    await wait_until(
        lambda: _async(len(webhooks.receiver.on("/network")) == 2), what="the network's two"
    )
    await wait_until(lambda: _async(webhooks.receiver.on("/partner")), what="the partner's one")

    [(_, body)] = webhooks.receiver.on("/partner")
    assert orjson.loads(body)["type"] == "directory.actor.updated"


async def test_a_partner_hears_by_webhook_that_one_of_its_endpoints_was_disabled(
    webhooks: Webhooks,
) -> None:
    async def partner_key(partner: str) -> dict[str, str]:
        key = await webhooks.client.post(
            "/v1/api-keys",
            json={"name": partner, "role": "partner", "partner": partner},
            headers=ADMIN,
        )
        return {"authorization": f"Bearer {key.json()['key']}"}

    async def subscribe(headers: dict[str, str], path: str, types: list[str]) -> dict[str, Any]:
        response = await webhooks.client.post(
            PATH, json={"url": webhooks.receiver_url + path, "event_types": types}, headers=headers
        )
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    echo, other = await partner_key("echosciences"), await partner_key("openagenda")
    gone = await subscribe(echo, "/echo-gone", ["directory.*"])
    webhooks.receiver.scripts["/echo-gone"] = [(410, {})]
    watch = await subscribe(echo, "/echo-watch", ["gateway.webhook_endpoint.disabled"])
    await subscribe(other, "/other", ["*"])

    await webhooks.publish(actor_updated())
    await wait_until(lambda: _async(webhooks.receiver.on("/echo-watch")), what="echo is told")

    [(headers, body)] = webhooks.receiver.on("/echo-watch")
    told = Webhook(watch["secret"]).verify(body, headers)
    assert told["type"] == "gateway.webhook_endpoint.disabled"
    assert told["data"]["endpoint_id"] == gone["id"]
    assert "410" in told["data"]["reason"]
    # The other partner got the actor's change, and nothing about echo's endpoint.
    types = [orjson.loads(b)["type"] for _, b in webhooks.receiver.on("/other")]
    assert types == ["directory.actor.updated"]
