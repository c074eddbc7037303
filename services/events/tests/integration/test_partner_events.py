"""Partners write their events by their own ids: PUT/DELETE /v1/events/ext/{source}/{ext_id}.

On both backends, with the real app, its outbox and a real NATS feeding the actor projection.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from fastapi import FastAPI

from events.db import outbox
from events.partners.models import EventExternalId
from kit.identity import IdentitySigner
from kit.service import Runtime
from kit.testing.plugin import asgi_client, identity_headers
from kit.testing.polling import wait_until

PROBLEM = "application/problem+json"


def partner_event(organizer_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Nuit des étoiles à Fleurance",
        "kind": "visit",
        "organizer_ids": [str(organizer_id)],
        "themes": ["astronomy_space"],
        "timings": [
            {"start": "2031-08-07T21:00:00+02:00", "end": "2031-08-08T01:00:00+02:00"},
        ],
        "attendance_mode": "offline",
        "location": {"name": "Ferme des étoiles", "city": "Mauroux", "commune_insee": "32245"},
    }
    body.update(overrides)
    return body


@pytest.fixture
async def organizer(admin: httpx.AsyncClient, announce: Callable[..., Any]) -> uuid.UUID:
    """An actor the calendar knows (announced by the directory over NATS)."""
    actor_id = uuid.uuid4()
    await announce("directory.actor.created", actor_id, name="A Ciel Ouvert")

    async def known() -> bool:
        probe = partner_event(actor_id, title="probe", state="draft")
        return (await admin.post("/v1/events", json=probe)).status_code == 201

    await wait_until(known, what="actor known to the calendar")
    return actor_id


@pytest.fixture
def partner_client(
    events_app: FastAPI, identity_signer: IdentitySigner
) -> Callable[[str], httpx.AsyncClient]:
    def make(partner: str) -> httpx.AsyncClient:
        headers = identity_headers(identity_signer, "partner", partner=partner)
        return asgi_client(events_app, headers)

    return make


@pytest.fixture
async def echosciences(
    partner_client: Callable[[str], httpx.AsyncClient],
) -> AsyncIterator[httpx.AsyncClient]:
    async with partner_client("echosciences") as client:
        yield client


async def announced(events_app: FastAPI, event_id: str) -> list[str]:
    """The types of the outbox rows written about ``event_id``, in order."""
    runtime: Runtime = events_app.state.runtime
    async with runtime.database.transaction(write=False) as session:
        rows = await session.execute(
            sa.select(outbox.table.c.type, outbox.table.c.envelope).order_by(
                outbox.table.c.position
            )
        )
        return [t for t, envelope in rows if orjson.loads(envelope).get("subject") == event_id]


async def links(events_app: FastAPI, source: str, ext_id: str) -> list[uuid.UUID]:
    runtime: Runtime = events_app.state.runtime
    async with runtime.database.transaction(write=False) as session:
        rows = await session.scalars(
            sa.select(EventExternalId.event_id).where(
                EventExternalId.source == source, EventExternalId.ext_id == ext_id
            )
        )
        return list(rows)


async def test_partner_push_creates_a_pending_event_then_updates_it_idempotently(
    events_app: FastAPI, echosciences: httpx.AsyncClient, organizer: uuid.UUID
) -> None:
    ext_id = f"echo-{uuid.uuid4().hex[:8]}"
    body = partner_event(organizer)

    created = await echosciences.put(f"/v1/events/ext/echosciences/{ext_id}", json=body)
    assert created.status_code == 201, created.text
    event = created.json()
    assert created.headers["location"] == f"/v1/events/{event['id']}"
    assert created.headers["etag"] == '"1"'
    assert event["state"] == "pending"  # echosciences is not a trusted source
    assert event["ext_ids"] == {"echosciences": ext_id}
    assert event["location"]["department"] == "32"
    assert event["location"]["region"] == "76"

    again = await echosciences.put(f"/v1/events/ext/echosciences/{ext_id}", json=body)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == event["id"]
    assert again.json()["version"] == 1
    assert again.json()["updated_at"] == event["updated_at"]

    changed = await echosciences.put(
        f"/v1/events/ext/echosciences/{ext_id}",
        json=partner_event(organizer, title="Nuit des étoiles 2031", summary="Observation"),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2
    assert changed.json()["title"] == "Nuit des étoiles 2031"
    assert changed.json()["state"] == "pending"
    # A pending event is not announced to anyone yet.
    assert await announced(events_app, event["id"]) == []
    assert await links(events_app, "echosciences", ext_id) == [uuid.UUID(event["id"])]

    # A PUT replaces: a field left out is cleared.
    cleared = await echosciences.put(f"/v1/events/ext/echosciences/{ext_id}", json=body)
    assert cleared.json()["summary"] is None
    assert cleared.json()["title"] == body["title"]
    assert cleared.json()["version"] == 3


async def test_trusted_source_publishes_and_announces_once(
    events_app: FastAPI,
    partner_client: Callable[[str], httpx.AsyncClient],
    organizer: uuid.UUID,
) -> None:
    settings = events_app.state.settings
    events_app.state.settings = settings.model_copy(update={"trusted_sources": "x, cap-sc"})
    try:
        await _push_as_trusted_source(events_app, partner_client, organizer)
    finally:
        events_app.state.settings = settings


async def _push_as_trusted_source(
    events_app: FastAPI,
    partner_client: Callable[[str], httpx.AsyncClient],
    organizer: uuid.UUID,
) -> None:
    url = f"/v1/events/ext/cap-sc/4242-{organizer}"
    body = partner_event(
        organizer,
        timings=[
            {"start": "2031-09-02T14:00:00+02:00", "end": "2031-09-02T16:00:00+02:00"},
            {"start": "2031-09-01T14:00:00+02:00", "end": "2031-09-01T16:00:00+02:00"},
        ],
    )
    async with partner_client("cap-sc") as client:
        created = await client.put(url, json=body)
        assert created.status_code == 201, created.text
        event = created.json()
        assert event["state"] == "published"
        # The same timings in the order the partner sent them are no change.
        again = await client.put(url, json=body)
        assert again.status_code == 200
        assert again.json()["version"] == 1
        assert await announced(events_app, event["id"]) == ["events.event.published"]

        moved = await client.put(
            url,
            json={
                **body,
                "status": "moved_online",
                "attendance_mode": "online",
                "location": None,
                "online_url": "https://cap-sciences.net/live",
            },
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == "moved_online"
        assert await announced(events_app, event["id"]) == [
            "events.event.published",
            "events.event.updated",
        ]


async def test_partner_updates_keep_the_moderation_of_staff(
    events_app: FastAPI,
    admin: httpx.AsyncClient,
    echosciences: httpx.AsyncClient,
    organizer: uuid.UUID,
) -> None:
    ext_id = f"mod-{uuid.uuid4().hex[:8]}"
    url = f"/v1/events/ext/echosciences/{ext_id}"
    event = (await echosciences.put(url, json=partner_event(organizer))).json()
    published = await admin.patch(
        f"/v1/events/{event['id']}", json={"state": "published"}, headers={"If-Match": '"1"'}
    )
    assert published.status_code == 200, published.text

    changed = await echosciences.put(url, json=partner_event(organizer, title="Nuit des étoiles !"))
    assert changed.status_code == 200, changed.text
    assert changed.json()["state"] == "published"
    assert await announced(events_app, event["id"]) == [
        "events.event.published",
        "events.event.updated",
    ]

    # Partners do not moderate: the state is not theirs to send.
    refused = await echosciences.put(url, json=partner_event(organizer, state="published"))
    assert refused.status_code == 422
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["errors"][0]["field"] == "state"


async def test_delete_cancels_once_and_unknown_ids_are_404(
    events_app: FastAPI, admin: httpx.AsyncClient, organizer: uuid.UUID
) -> None:
    ext_id = f"del-{uuid.uuid4().hex[:8]}"
    url = f"/v1/events/ext/openagenda/{ext_id}"
    event = (await admin.put(url, json=partner_event(organizer))).json()
    assert event["state"] == "published"  # staff's default

    cancelled = await admin.delete(url)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["version"] == 2
    again = await admin.delete(url)
    assert again.status_code == 200
    assert again.json()["version"] == 2
    assert await announced(events_app, event["id"]) == [
        "events.event.published",
        "events.event.cancelled",
    ]
    # Still readable, marked cancelled.
    read = await admin.get(f"/v1/events/{event['id']}")
    assert read.json()["status"] == "cancelled"

    unknown = await admin.delete(f"/v1/events/ext/openagenda/never-{ext_id}")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == PROBLEM


async def test_only_staff_and_the_partner_itself_write_its_events(
    events_app: FastAPI,
    identity_signer: IdentitySigner,
    partner_client: Callable[[str], httpx.AsyncClient],
    echosciences: httpx.AsyncClient,
    organizer: uuid.UUID,
) -> None:
    ext_id = f"auth-{uuid.uuid4().hex[:8]}"
    url = f"/v1/events/ext/echosciences/{ext_id}"
    body = partner_event(organizer)
    member = asgi_client(
        events_app, identity_headers(identity_signer, "member", actor_ids=(organizer,))
    )
    reader = asgi_client(events_app, identity_headers(identity_signer, "reader"))
    anonymous = asgi_client(events_app, identity_headers(identity_signer, "anonymous"))
    async with partner_client("openagenda") as other, member, reader, anonymous:
        for client in (other, member, reader):
            put = await client.put(url, json=body)
            assert put.status_code == 403, put.text
            assert put.headers["content-type"] == PROBLEM
        assert (await anonymous.put(url, json=body)).status_code == 401
        assert await links(events_app, "echosciences", ext_id) == []

        assert (await echosciences.put(url, json=body)).status_code == 201
        for client in (other, member, reader):
            assert (await client.delete(url)).status_code == 403
        assert (await anonymous.delete(url)).status_code == 401
        assert (await echosciences.delete(url)).json()["status"] == "cancelled"


async def test_bad_pushes_are_422_naming_the_field_with_nothing_written(
    events_app: FastAPI, echosciences: httpx.AsyncClient, organizer: uuid.UUID
) -> None:
    ext_id = f"bad-{uuid.uuid4().hex[:8]}"
    url = f"/v1/events/ext/echosciences/{ext_id}"
    cases: list[tuple[dict[str, Any], str]] = [
        (
            partner_event(
                organizer,
                timings=[
                    {"start": "2031-08-08T01:00:00+02:00", "end": "2031-08-07T21:00:00+02:00"}
                ],
            ),
            "timings[0]",
        ),
        (partner_event(organizer, attendance_mode="online", location=None), "online_url"),
        (partner_event(uuid.uuid4()), "organizer_ids[0]"),
        (
            partner_event(organizer, ext_ids={"echosciences": "someone-else"}),
            "ext_ids.echosciences",
        ),
        (partner_event(organizer, colour="blue"), "colour"),
        (partner_event(organizer, ext_ids={"openagenda": "123"}), "ext_ids.openagenda"),
    ]
    for body, field in cases:
        response = await echosciences.put(url, json=body)
        assert response.status_code == 422, (field, response.text)
        assert response.headers["content-type"] == PROBLEM
        fields = [error["field"] for error in response.json()["errors"]]
        assert any(f.startswith(field) for f in fields), (field, fields)
    assert await links(events_app, "echosciences", ext_id) == []
    # Its own ids elsewhere are kept, under its own prefix.
    own = partner_event(organizer, ext_ids={"echosciences.agenda": "a-12"})
    created = await echosciences.put(url, json=own)
    assert created.status_code == 201, created.text
    assert created.json()["ext_ids"] == {"echosciences.agenda": "a-12", "echosciences": ext_id}
    bad_source = await echosciences.put(f"/v1/events/ext/Echo Sciences/{ext_id}", json={})
    assert bad_source.status_code == 422


async def test_concurrent_pushes_of_one_id_make_one_event(
    events_app: FastAPI, echosciences: httpx.AsyncClient, organizer: uuid.UUID
) -> None:
    ext_id = f"race-{uuid.uuid4().hex[:8]}"
    url = f"/v1/events/ext/echosciences/{ext_id}"
    responses = await asyncio.gather(
        *(echosciences.put(url, json=partner_event(organizer)) for _ in range(8))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 7 + [201], [r.text for r in responses if r.status_code >= 300]
    assert len({r.json()["id"] for r in responses}) == 1
    assert {r.json()["version"] for r in responses} == {1}
    assert len(await links(events_app, "echosciences", ext_id)) == 1


async def test_partner_ids_may_hold_slashes_and_accents(
    echosciences: httpx.AsyncClient, organizer: uuid.UUID
) -> None:
    url = f"/v1/events/ext/echosciences/agenda%2Fété-{organizer}%2F42"
    created = await echosciences.put(url, json=partner_event(organizer))
    assert created.status_code == 201, created.text
    assert created.json()["ext_ids"] == {"echosciences": f"agenda/été-{organizer}/42"}
    assert (await echosciences.put(url, json=partner_event(organizer))).status_code == 200
    assert (await echosciences.delete(url)).json()["status"] == "cancelled"


async def test_an_event_the_network_deleted_takes_no_more_pushes(
    events_app: FastAPI,
    admin: httpx.AsyncClient,
    echosciences: httpx.AsyncClient,
    organizer: uuid.UUID,
) -> None:
    url = f"/v1/events/ext/echosciences/gone-{uuid.uuid4().hex[:8]}"
    event = (await echosciences.put(url, json=partner_event(organizer))).json()
    deleted = await admin.delete(f"/v1/events/{event['id']}", headers={"If-Match": '"1"'})
    assert deleted.status_code == 204, deleted.text

    for response in (
        await echosciences.put(url, json=partner_event(organizer, title="Revenue ?")),
        await echosciences.delete(url),
    ):
        assert response.status_code == 410, response.text
        assert response.headers["content-type"] == PROBLEM
    assert (await admin.get(f"/v1/events/{event['id']}")).status_code == 404
    assert await links(events_app, "echosciences", url.rsplit("/", 1)[1]) == [
        uuid.UUID(event["id"])
    ]


async def test_pushes_naming_a_merged_organizer_keep_working(
    admin: httpx.AsyncClient,
    echosciences: httpx.AsyncClient,
    announce: Callable[..., Any],
    organizer: uuid.UUID,
) -> None:
    survivor = uuid.uuid4()
    await announce("directory.actor.created", survivor, name="Astu'Sciences")
    url = f"/v1/events/ext/echosciences/merge-{uuid.uuid4().hex[:8]}"
    body = partner_event(organizer)
    event = (await echosciences.put(url, json=body)).json()
    await announce("directory.actor.merged", organizer, survivor_id=str(survivor), version=2)

    async def moved() -> bool:
        read = (await admin.get(f"/v1/events/{event['id']}")).json()
        return bool(read["organizer_ids"] == [str(survivor)])

    await wait_until(moved, what="event re-pointed to the survivor")
    # The partner never heard of the merge and pushes the same body again: nothing changes.
    again = await echosciences.put(url, json=body)
    assert again.status_code == 200, again.text
    assert again.json()["organizer_ids"] == [str(survivor)]
    assert again.json()["version"] == 2
    renamed = await echosciences.put(url, json={**body, "title": "Nuit des étoiles du Gers"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["version"] == 3
