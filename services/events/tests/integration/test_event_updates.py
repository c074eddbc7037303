"""PATCH /v1/events/{id}: ETag/If-Match, whole-event validation, capacity, announcements."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from nats.js import JetStreamContext

from events.db import outbox
from kit.service import Runtime
from kit.testing.jetstream import stream_messages
from kit.testing.polling import wait_until

PROBLEM = "application/problem+json"
NewEvent = Callable[..., Awaitable[dict[str, Any]]]


async def published(js: JetStreamContext, event_type: str, subject: str) -> list[dict[str, Any]]:
    async def probe() -> list[dict[str, Any]]:
        messages = await stream_messages(js, "EVENTS", event_type)
        envelopes = [orjson.loads(m.data or b"{}") for m in messages]
        return [e for e in envelopes if e["subject"] == subject]

    return await wait_until(probe, what=f"{event_type} for {subject} published")


async def test_if_match_guards_concurrent_edits(
    admin: httpx.AsyncClient, new_event: NewEvent, jetstream: JetStreamContext
) -> None:
    event = await new_event()
    read = await admin.get(f"/v1/events/{event['id']}")
    etag = read.headers["etag"]
    assert etag == '"1"'
    changed = await admin.patch(
        f"/v1/events/{event['id']}",
        json={"title": "Formation « Parler de science », 2ᵉ édition; niveau 1"},
        headers={"If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert changed.json()["version"] == 2
    assert changed.json()["title"] == "Formation « Parler de science », 2ᵉ édition; niveau 1"
    assert changed.json()["kind"] == "training"  # untouched fields stay

    stale = await admin.patch(
        f"/v1/events/{event['id']}", json={"title": "Écrasé"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == PROBLEM
    assert (await admin.get(f"/v1/events/{event['id']}")).json()["title"].startswith("Formation")

    updates = await published(jetstream, "events.event.updated", event["id"])
    assert updates[-1]["data"]["version"] == 2


async def test_unchanged_patch_keeps_the_version(
    admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event()
    same = await admin.patch(f"/v1/events/{event['id']}", json={"title": event["title"]})
    assert same.status_code == 200
    assert same.json()["version"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {
                "timings": [
                    {"start": "2031-03-12T18:00:00+01:00", "end": "2031-03-12T09:00:00+01:00"}
                ]
            },
            "timings[0]",
        ),
        (
            {
                "timings": [
                    {"start": "2031-03-12T09:00:00+01:00", "end": "2031-03-12T12:00:00+01:00"},
                    {"start": "2031-03-12T11:00:00+01:00", "end": "2031-03-12T13:00:00+01:00"},
                ]
            },
            "timings[1]",
        ),
        ({"location": None}, "location"),
        ({"attendance_mode": "online"}, "online_url"),
        ({"status": "moved_online"}, "status"),
        ({"status": "moved_online", "attendance_mode": "online"}, "online_url"),
        ({"organizer_ids": [str(uuid.uuid4())]}, "organizer_ids[0]"),
        ({"title": ""}, "title"),
        ({"colour": "bleu"}, "colour"),
    ],
)
async def test_bad_change_is_422_and_changes_nothing(
    admin: httpx.AsyncClient, new_event: NewEvent, change: dict[str, Any], field: str
) -> None:
    event = await new_event()
    response = await admin.patch(f"/v1/events/{event['id']}", json=change)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await admin.get(f"/v1/events/{event['id']}")).json()["version"] == 1


async def test_capacity_never_below_confirmed_and_a_raise_promotes(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    new_event: NewEvent,
    jetstream: JetStreamContext,
) -> None:
    settings = {"mode": "internal", "capacity": 3, "waitlist": True}
    event = await new_event(registration=settings)
    people = [
        (
            await anonymous.post(
                f"/v1/events/{event['id']}/registrations",
                json={"name": f"Noé {n}", "email": f"noe.{n}@exemple.fr"},
            )
        ).json()
        for n in range(5)
    ]
    lowered = await admin.patch(
        f"/v1/events/{event['id']}", json={"registration": {**settings, "capacity": 2}}
    )
    assert lowered.status_code == 422
    assert lowered.json()["errors"][0]["field"] == "registration.capacity"
    assert lowered.json()["confirmed"] == 3

    raised = await admin.patch(  # only the capacity: the other settings stay
        f"/v1/events/{event['id']}", json={"registration": {"capacity": 4}}
    )
    assert raised.status_code == 200, raised.text
    assert raised.json()["registration"]["mode"] == "internal"
    assert raised.json()["registration"]["waitlist"] is True
    assert raised.json()["registration_counts"]["confirmed"] == 4
    assert raised.json()["registration_counts"]["waitlisted"] == 1
    promoted = await published(jetstream, "events.registration.promoted", people[3]["id"])
    assert promoted[0]["data"]["status"] == "confirmed"
    last = await anonymous.get(
        f"/v1/registrations/{people[4]['id']}", params={"token": people[4]["token"]}
    )
    assert last.json()["waitlist_position"] == 1


async def test_cancelling_announces_and_closes_registration(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    new_event: NewEvent,
    jetstream: JetStreamContext,
) -> None:
    event = await new_event()
    cancelled = await admin.patch(f"/v1/events/{event['id']}", json={"status": "cancelled"})
    assert cancelled.json()["status"] == "cancelled"
    envelopes = await published(jetstream, "events.event.cancelled", event["id"])
    assert envelopes[0]["data"]["status"] == "cancelled"
    late = await anonymous.post(
        f"/v1/events/{event['id']}/registrations",
        json={"name": "Inès", "email": "ines@exemple.fr"},
    )
    assert late.status_code == 409
    assert late.json()["type"].endswith("/event-cancelled")


async def test_members_edit_their_events_and_staff_publish(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    announce: Callable[..., Any],
    new_event: NewEvent,
    jetstream: JetStreamContext,
) -> None:
    own = uuid.uuid4()
    await announce("directory.actor.created", own, name="Les Petits Débrouillards")
    event = await new_event(organizer_id=own, state="pending")
    url = f"/v1/events/{event['id']}"
    assert (await anonymous.patch(url, json={"title": "x"})).status_code == 401
    async with member_of(uuid.uuid4()) as stranger:
        # An unpublished event does not exist for strangers; a published one is forbidden.
        assert (await stranger.patch(url, json={"title": "x"})).status_code == 404
    async with member_of(own) as member:
        assert (await member.get(url)).json()["state"] == "pending"
        edited = await member.patch(url, json={"summary": "Ateliers pour les 8-12 ans"})
        assert edited.status_code == 200
        assert edited.json()["state"] == "pending"
        publish = await member.patch(url, json={"state": "published"})
        assert publish.status_code == 403
        assert publish.json()["type"].endswith("/event-update-forbidden")
    assert (await anonymous.get(url)).status_code == 404
    approved = await admin.patch(url, json={"state": "published"})
    assert approved.json()["state"] == "published"
    assert (await anonymous.get(url)).status_code == 200
    await published(jetstream, "events.event.published", event["id"])
    async with member_of(uuid.uuid4()) as stranger:
        forbidden = await stranger.patch(url, json={"title": "x"})
        assert forbidden.status_code == 403
        assert forbidden.json()["type"].endswith("/event-update-forbidden")


async def test_event_as_schema_org_jsonld_on_request(
    anonymous: httpx.AsyncClient,
    announce: Callable[..., Any],
    new_event: NewEvent,
) -> None:
    actor_id = uuid.uuid4()
    await announce("directory.actor.created", actor_id, name="Muséum de Toulouse")
    event = await new_event(
        organizer_id=actor_id,
        themes=["biology"],
        timings=[
            {"start": "2031-05-01T09:00:00+02:00", "end": "2031-05-01T12:00:00+02:00"},
            {"start": "2031-05-02T09:00:00+02:00", "end": "2031-05-02T12:00:00+02:00"},
        ],
        registration={"mode": "internal", "capacity": 12, "waitlist": True},
    )
    await anonymous.post(
        f"/v1/events/{event['id']}/registrations",
        json={"name": "Anaïs", "email": "anais@exemple.fr"},
    )
    response = await anonymous.get(
        f"/v1/events/{event['id']}", headers={"Accept": "application/ld+json"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    # Not the JSON representation's ETag: a cache or If-None-Match keyed on it would serve
    # one representation for the other.
    assert response.headers["etag"] == '"1-ld"'
    assert "Accept" in response.headers["vary"]
    document = response.json()
    assert document["@context"] == "https://schema.org"
    assert document["@type"] == "EducationEvent"
    assert document["name"] == "Formation Médiation scientifique"
    assert document["startDate"] == "2031-05-01T09:00:00+02:00"
    assert document["endDate"] == "2031-05-02T12:00:00+02:00"
    assert document["eventStatus"] == "https://schema.org/EventScheduled"
    assert document["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert document["location"]["address"]["addressLocality"] == "Toulouse"
    assert document["organizer"] == [
        {"@type": "Organization", "identifier": str(actor_id), "name": "Muséum de Toulouse"}
    ]
    assert len(document["subEvent"]) == 2
    assert (document["maximumAttendeeCapacity"], document["remainingAttendeeCapacity"]) == (12, 11)
    plain = await anonymous.get(f"/v1/events/{event['id']}")
    assert plain.headers["content-type"] == "application/json"
    assert plain.headers["etag"] == '"1"'
    assert "Accept" in plain.headers["vary"]


async def announced(events_app: FastAPI, event_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(type, data) of every outbox event about ``event_id``, in order."""
    runtime: Runtime = events_app.state.runtime
    async with runtime.database.transaction(write=False) as session:
        rows = await session.scalars(
            sa.select(outbox.table.c.envelope).order_by(outbox.table.c.position)
        )
        envelopes = [orjson.loads(envelope) for envelope in rows]
    return [(e["type"], e["data"]) for e in envelopes if e["subject"] == event_id]


async def test_unpublishing_sends_a_tombstone_never_the_new_content(
    events_app: FastAPI, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event()
    url = f"/v1/events/{event['id']}"
    hidden = await admin.patch(url, json={"state": "draft", "title": "Brouillon interne"})
    assert hidden.status_code == 200, hidden.text
    assert (await admin.patch(url, json={"title": "Brouillon interne, v2"})).status_code == 200
    back = await admin.patch(url, json={"state": "published"})
    assert back.status_code == 200, back.text
    refused = await admin.patch(url, json={"state": "refused"})
    assert refused.status_code == 200, refused.text
    assert (await admin.delete(url)).status_code == 204

    sent = await announced(events_app, event["id"])
    assert [type for type, _ in sent] == [
        "events.event.published",
        "events.event.deleted",
        "events.event.published",
        "events.event.deleted",
    ]
    assert sent[1][1] == {
        "id": event["id"],
        "version": 2,
        "deleted_at": sent[1][1]["deleted_at"],
    }
    assert set(sent[3][1]) == {"id", "version", "deleted_at"}
    assert sent[2][1]["title"] == "Brouillon interne, v2"  # once published again only
    assert "Brouillon interne" not in orjson.dumps(sent[1][1]).decode()


@pytest.mark.parametrize("state", ["draft", "pending"])
async def test_a_never_published_event_announces_nothing(
    events_app: FastAPI, admin: httpx.AsyncClient, new_event: NewEvent, state: str
) -> None:
    event = await new_event(state=state)
    url = f"/v1/events/{event['id']}"
    assert (await admin.patch(url, json={"title": "Toujours interne"})).status_code == 200
    assert (await admin.patch(url, json={"status": "cancelled"})).status_code == 200
    assert (await admin.delete(url)).status_code == 204
    assert await announced(events_app, event["id"]) == []


async def test_moved_online_with_an_online_mode_and_url(
    admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event()
    moved = await admin.patch(
        f"/v1/events/{event['id']}",
        json={
            "status": "moved_online",
            "attendance_mode": "online",
            "online_url": "https://visio.exemple.fr/formation",
        },
    )
    assert moved.status_code == 200, moved.text
    back = await admin.patch(f"/v1/events/{event['id']}", json={"attendance_mode": "offline"})
    assert back.status_code == 422
    assert [e["field"] for e in back.json()["errors"]] == ["status"]
    model = {k: event[k] for k in ("title", "kind", "organizer_ids", "timings", "location")}
    created = await admin.post("/v1/events", json={**model, "status": "moved_online"})
    assert created.status_code == 422
    assert [e["field"] for e in created.json()["errors"]] == ["status"]
    mixed = await admin.post(
        "/v1/events",
        json={
            **model,
            "status": "moved_online",
            "attendance_mode": "mixed",
            "online_url": "https://visio.exemple.fr/formation",
        },
    )
    assert mixed.status_code == 201, mixed.text


@pytest.mark.parametrize(
    ("registration", "field"),
    [
        (
            {
                "mode": "internal",
                "opens_at": "2031-03-01T09:00:00+01:00",
                "closes_at": "2031-02-20T09:00:00+01:00",
            },
            "registration.closes_at",
        ),
        (
            {
                "mode": "internal",
                "opens_at": "2031-03-01T09:00:00+01:00",
                "closes_at": "2031-03-01T09:00:00+01:00",
            },
            "registration.closes_at",
        ),
        ({"mode": "external"}, "registration.url"),
    ],
)
async def test_registration_settings_are_checked_on_create(
    admin: httpx.AsyncClient, new_event: NewEvent, registration: dict[str, Any], field: str
) -> None:
    model = await new_event()
    body = {
        name: model[name]
        for name in ("title", "kind", "organizer_ids", "timings", "attendance_mode", "location")
    }
    response = await admin.post("/v1/events", json={**body, "registration": registration})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_registration_settings_are_checked_as_merged_on_patch(
    admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event(
        registration={
            "mode": "internal",
            "capacity": 10,
            "opens_at": "2031-02-01T09:00:00+01:00",
            "closes_at": "2031-03-01T09:00:00+01:00",
        }
    )
    url = f"/v1/events/{event['id']}"
    # Each change alone is well-formed; what it makes with the stored settings is not.
    for change, field in [
        ({"opens_at": "2031-03-05T09:00:00+01:00"}, "registration.closes_at"),
        ({"closes_at": "2031-01-05T09:00:00+01:00"}, "registration.closes_at"),
        ({"mode": "external"}, "registration.url"),
    ]:
        response = await admin.patch(url, json={"registration": change})
        assert response.status_code == 422, (change, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await admin.get(url)).json()["version"] == 1

    moved = await admin.patch(
        url,
        json={
            "registration": {
                "opens_at": "2031-03-05T09:00:00+01:00",
                "closes_at": "2031-03-10T09:00:00+01:00",
            }
        },
    )
    assert moved.status_code == 200, moved.text
    linked = await admin.patch(url, json={"registration": {"url": "https://exemple.fr/inscr"}})
    assert linked.status_code == 200, linked.text
    external = await admin.patch(url, json={"registration": {"mode": "external"}})
    assert external.status_code == 200, external.text  # the stored url counts
    assert external.json()["registration"]["url"] == "https://exemple.fr/inscr"


def hourly_timings(count: int) -> list[dict[str, str]]:
    first = datetime(2031, 1, 1, 8, tzinfo=UTC)
    return [
        {
            "start": (first + timedelta(hours=n)).isoformat(),
            "end": (first + timedelta(hours=n, minutes=30)).isoformat(),
        }
        for n in range(count)
    ]


async def test_at_most_800_timings(admin: httpx.AsyncClient, new_event: NewEvent) -> None:
    event = await new_event()
    model = {k: event[k] for k in ("title", "kind", "organizer_ids", "location")}
    too_many = await admin.post("/v1/events", json={**model, "timings": hourly_timings(801)})
    assert too_many.status_code == 422, too_many.text
    assert too_many.headers["content-type"] == PROBLEM
    assert [e["field"] for e in too_many.json()["errors"]] == ["timings"]

    url = f"/v1/events/{event['id']}"
    patched = await admin.patch(url, json={"timings": hourly_timings(801)})
    assert patched.status_code == 422, patched.text
    assert [e["field"] for e in patched.json()["errors"]] == ["timings"]
    assert (await admin.get(url)).json()["version"] == 1

    most = await admin.patch(url, json={"timings": hourly_timings(800)})
    assert most.status_code == 200, most.text
    assert len(most.json()["timings"]) == 800
