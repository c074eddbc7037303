"""End to end: a partner pushes signed changes to its gateway inbox; the stack's real
``maillage-gateway worker`` forwards them to the real events service, where they become (and
stay) one event of ours, readable through ``GET /v1/events``."""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from standardwebhooks import Webhook

from kit.testing.nats import NatsServer
from kit.testing.polling import wait_until
from maillage_cli.api import Api
from maillage_cli.stack import GATEWAY_WORKER, Stack, StackOptions

from .conftest import clean_environ

pytestmark = pytest.mark.e2e

#: A partner whose events are published as they come (MAILLAGE_EVENTS_TRUSTED_SOURCES).
PARTNER = "openagenda"
#: Generous: the worker process alone takes seconds to start on a loaded machine.
PROPAGATION = 60.0


@pytest.fixture(scope="module")
async def stack(
    nats: NatsServer, tmp_path_factory: pytest.TempPathFactory, supervisor_reports: list[str]
) -> AsyncIterator[Stack]:
    environ = clean_environ() | {"MAILLAGE_EVENTS_TRUSTED_SOURCES": PARTNER}
    options = StackOptions(
        report=supervisor_reports.append,
        var_dir=tmp_path_factory.mktemp("e2e-partner-var"),
        environ=environ,
        nats_url=nats.url,
        gateway_port=0,
        prefer_default_ports=False,
    )
    async with Stack(options) as running:
        yield running


@pytest.fixture(scope="module")
async def partner(stack: Stack) -> str:
    """The partner's inbox secret."""
    async with Api(stack.api_url, stack.admin_key) as admin:
        response = await admin.http.post(
            "/v1/partners", json={"slug": PARTNER, "name": "OpenAgenda"}
        )
    assert response.status_code == 201, response.text
    secret: str = response.json()["secret"]
    return secret


@pytest.fixture(scope="module")
async def organizer(stack: Stack) -> str:
    """An actor the events service knows (its projection caught up): pushes may name it."""
    async with Api(stack.api_url, stack.admin_key) as admin:
        actor = await admin.create_actor(
            {
                "kind": "organisation",
                "name": f"Carrefour des Sciences et des Arts {uuid.uuid4().hex[:6]}",
                "types": ["association"],
                "circle": 1,
                "address": {"city": "Cahors", "postcode": "46000", "commune_insee": "46042"},
            }
        )
        # Through the API as staff, retried until the projection knows the actor.
        await admin.create_event(event_fields("Réunion de préparation", actor.id), within=60)
    return actor.id


def event_fields(title: str, organizer_id: str) -> dict[str, Any]:
    return {
        "title": title,
        "kind": "festival",
        "organizer_ids": [organizer_id],
        "timings": [{"start": "2027-10-09T10:00:00+02:00", "end": "2027-10-09T18:00:00+02:00"}],
        "attendance_mode": "offline",
        "location": {
            "name": "Place Chapou",
            "city": "Cahors",
            "postcode": "46000",
            "commune_insee": "46042",
        },
        "themes": ["science_society"],
        "audiences": ["families"],
    }


async def push(
    api_url: str, secret: str, push_type: str, data: dict[str, Any], *, webhook_id: str = ""
) -> tuple[int, dict[str, Any]]:
    """Sign and push as the partner would (the ``standardwebhooks`` reference library)."""
    body = orjson.dumps(
        {"type": push_type, "timestamp": datetime.now(UTC).isoformat(), "data": data}
    )
    webhook_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    headers = {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(math.floor(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(webhook_id, now, body.decode()),
        "content-type": "application/json",
    }
    async with Api(api_url) as anonymous:
        response = await anonymous.http.post(
            f"/v1/partners/{PARTNER}/inbox", content=body, headers=headers
        )
    answer: dict[str, Any] = response.json()
    return response.status_code, answer


async def events_from(api_url: str, ext_id: str) -> list[dict[str, Any]]:
    """The public events whose ``ext_ids`` name the partner's ``ext_id``."""
    async with Api(api_url) as anonymous:
        response = await anonymous.http.get("/v1/events", params={"limit": 200})
    assert response.status_code == 200, response.text
    return [e for e in response.json()["items"] if e["ext_ids"].get(PARTNER) == ext_id]


async def message_status(stack: Stack, message_id: int) -> dict[str, Any] | None:
    async with Api(stack.api_url, stack.admin_key) as admin:
        response = await admin.http.get(
            f"/v1/partners/{PARTNER}/inbox/messages", params={"limit": 200}
        )
    assert response.status_code == 200, response.text
    return next((m for m in response.json()["items"] if m["id"] == message_id), None)


async def settled(stack: Stack, message_id: int) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        found = await message_status(stack, message_id)
        return found if found and found["status"] != "pending" else None

    return await wait_until(probe, within=PROPAGATION, what=f"message {message_id} forwarded")


async def test_a_pushed_event_becomes_ours_is_updated_once_and_cancelled(
    stack: Stack, partner: str, organizer: str
) -> None:
    ext_id = f"oa-{uuid.uuid4().hex[:8]}"
    data = {"id": ext_id, **event_fields("Fête de la science à Cahors", organizer)}

    status, accepted = await push(stack.api_url, partner, "event.upserted", data)
    assert status == 202, accepted
    assert (await settled(stack, accepted["id"]))["status"] == "forwarded"
    [event] = await events_from(stack.api_url, ext_id)
    assert event["title"] == "Fête de la science à Cahors"
    assert event["state"] == "published"

    # The partner's retry of the same message is dropped; its next change updates our event.
    repeat_status, repeat = await push(
        stack.api_url, partner, "event.upserted", data, webhook_id=accepted["webhook_id"]
    )
    changed = data | {"title": "Fête de la science à Cahors — 2e édition"}
    status, update = await push(stack.api_url, partner, "event.upserted", changed)
    assert (repeat_status, repeat["duplicate"]) == (200, True)
    assert (await settled(stack, update["id"]))["status"] == "forwarded"
    [updated] = await events_from(stack.api_url, ext_id)
    assert updated["id"] == event["id"]
    assert updated["title"] == "Fête de la science à Cahors — 2e édition"

    status, deletion = await push(stack.api_url, partner, "event.deleted", {"id": ext_id})
    assert (await settled(stack, deletion["id"]))["status"] == "forwarded"
    [cancelled] = await events_from(stack.api_url, ext_id)
    assert cancelled["id"] == event["id"]
    assert cancelled["status"] == "cancelled"


async def test_a_forged_push_imports_nothing_and_an_invalid_event_is_rejected_with_the_reason(
    stack: Stack, partner: str, organizer: str
) -> None:
    forged_id, invalid_id = f"oa-{uuid.uuid4().hex[:8]}", f"oa-{uuid.uuid4().hex[:8]}"
    forged_data = {"id": forged_id, **event_fields("Faux événement", organizer)}
    forger_secret = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"

    status, problem = await push(stack.api_url, forger_secret, "event.upserted", forged_data)
    invalid = {"id": invalid_id, **event_fields("Sans horaires", organizer), "timings": []}
    _, rejected = await push(stack.api_url, partner, "event.upserted", invalid)

    assert status == 401
    assert problem["type"].endswith("/invalid-signature")
    found = await settled(stack, rejected["id"])
    assert found["status"] == "rejected"
    assert found["reason"].startswith("422")
    assert "timings" in found["reason"]
    assert await events_from(stack.api_url, forged_id) == []
    assert await events_from(stack.api_url, invalid_id) == []


async def test_pushes_received_while_the_worker_is_down_are_forwarded_when_it_is_back(
    stack: Stack, partner: str, organizer: str
) -> None:
    ext_id = f"oa-{uuid.uuid4().hex[:8]}"
    worker = stack.supervisor.children[GATEWAY_WORKER]
    await stack.supervisor.stop(GATEWAY_WORKER)
    try:
        status, accepted = await push(
            stack.api_url,
            partner,
            "event.upserted",
            {"id": ext_id, **event_fields("Nuit des étoiles", organizer)},
        )
        assert status == 202
        waiting = await message_status(stack, accepted["id"])
        assert waiting is not None
        assert waiting["status"] == "pending"
    finally:
        await stack.supervisor.start(worker.spec)

    assert (await settled(stack, accepted["id"]))["status"] == "forwarded"
    assert [e["title"] for e in await events_from(stack.api_url, ext_id)] == ["Nuit des étoiles"]
