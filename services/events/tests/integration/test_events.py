"""The events API and its actor projection on both backends, with a real NATS server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from nats.js import JetStreamContext

from kit.testing.polling import wait_until

PROBLEM = "application/problem+json"


def forum(organizer_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Forum Mer et Littoral",
        "kind": "forum",
        "organizer_ids": [str(organizer_id)],
        "themes": ["sea_coast", "environment"],
        "audiences": ["professionals"],
        "timings": [
            {"start": "2027-03-12T09:00:00+01:00", "end": "2027-03-12T17:30:00+01:00"},
        ],
        "attendance_mode": "offline",
        "location": {"name": "Station biologique", "city": "Sète", "commune_insee": "34301"},
    }
    body.update(overrides)
    return body


async def known_actor(
    announce: Callable[..., Any], admin: httpx.AsyncClient, **data: Any
) -> uuid.UUID:
    """Announce an actor and wait until the calendar accepts it as organizer."""
    actor_id = uuid.uuid4()
    await announce("directory.actor.created", actor_id, **data)

    async def accepted() -> dict[str, Any] | None:
        response = await admin.post("/v1/events", json=forum(actor_id, title="probe"))
        return dict(response.json()) if response.status_code == 201 else None

    await wait_until(accepted, what="actor known to the calendar")
    return actor_id


async def test_event_shows_organizer_current_name(
    admin: httpx.AsyncClient, announce: Callable[..., Any]
) -> None:
    actor_id = await known_actor(
        announce, admin, name="Kimiyo", address={"commune_insee": "31555", "department": "31"}
    )
    created = await admin.post("/v1/events", json=forum(actor_id))
    assert created.status_code == 201, created.text
    event = created.json()
    assert event["state"] == "published"
    assert event["organizers"] == [{"id": str(actor_id), "name": "Kimiyo", "department": "31"}]
    assert event["location"]["department"] == "34"
    assert event["location"]["region"] == "76"

    await announce("directory.actor.updated", actor_id, name="Kimiyo Chimie", version=2)

    async def renamed() -> bool:
        body = (await admin.get(f"/v1/events/{event['id']}")).json()
        return bool(body["organizers"][0]["name"] == "Kimiyo Chimie")

    await wait_until(renamed, what="new organizer name on the event")


async def test_stale_and_replayed_actor_events_do_not_overwrite(
    admin: httpx.AsyncClient, announce: Callable[..., Any]
) -> None:
    actor_id = await known_actor(announce, admin, name="Fermat Science")
    event = (await admin.post("/v1/events", json=forum(actor_id))).json()
    update = await announce("directory.actor.updated", actor_id, name="Fermat Sciences", version=3)
    await announce("directory.actor.updated", actor_id, name="Ancien nom", version=2)
    # The same event again under its own id: the inbox makes it a no-op.
    await announce(
        "directory.actor.updated", actor_id, event_id=update.id, name="Doublon", version=9
    )
    marker = await announce("directory.actor.updated", actor_id, name="Fermat Science 2", version=4)
    assert marker.id != update.id

    async def name() -> str:
        body = (await admin.get(f"/v1/events/{event['id']}")).json()
        return str(body["organizers"][0]["name"])

    await wait_until(lambda: _equals(name, "Fermat Science 2"), what="last version applied")


async def _equals(probe: Callable[[], Any], expected: str) -> bool:
    return bool(await probe() == expected)


async def test_deleted_organizer_leaves_event_readable_but_refuses_new_ones(
    admin: httpx.AsyncClient, announce: Callable[..., Any]
) -> None:
    actor_id = await known_actor(announce, admin, name="Délires d'encre")
    event = (await admin.post("/v1/events", json=forum(actor_id))).json()
    await announce("directory.actor.deleted", actor_id, version=2)

    async def refused() -> bool:
        response = await admin.post("/v1/events", json=forum(actor_id))
        return response.status_code == 422

    await wait_until(refused, what="deleted organizer refused")
    still = (await admin.get(f"/v1/events/{event['id']}")).json()
    assert still["organizers"][0]["name"] == "Délires d'encre"


async def test_an_organizer_the_calendar_hears_of_a_moment_later_is_waited_for(
    admin: httpx.AsyncClient, announce: Callable[..., Any]
) -> None:
    """Read your writes: the actor was created in the directory just before, and its event
    reaches the calendar while the event's creation is already waiting for it."""
    actor_id = uuid.uuid4()

    async def created_in_the_directory_meanwhile() -> None:
        await asyncio.sleep(0.3)
        await announce("directory.actor.created", actor_id, name="Arrivé à l'instant")

    arriving = asyncio.create_task(created_in_the_directory_meanwhile())
    response = await admin.post("/v1/events", json=forum(actor_id))
    await arriving

    assert response.status_code == 201, response.text
    assert response.json()["organizers"][0]["name"] == "Arrivé à l'instant"


async def test_unknown_organizer_is_422_naming_the_field(admin: httpx.AsyncClient) -> None:
    stranger = uuid.uuid4()
    response = await admin.post(
        "/v1/events", json=forum(uuid.uuid4(), organizer_ids=[str(stranger)])
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"] == [
        {"field": "organizer_ids[0]", "message": response.json()["errors"][0]["message"]}
    ]
    assert str(stranger) in response.json()["detail"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (
            {
                "timings": [
                    {"start": "2027-03-12T18:00:00+01:00", "end": "2027-03-12T09:00:00+01:00"}
                ]
            },
            "timings[0]",
        ),
        (
            {
                "timings": [
                    {"start": "2027-03-12T09:00:00+01:00", "end": "2027-03-12T12:00:00+01:00"},
                    {"start": "2027-03-12T11:00:00+01:00", "end": "2027-03-12T13:00:00+01:00"},
                ]
            },
            "timings[1]",
        ),
        (
            {"timings": [{"start": "2027-03-12T09:00:00", "end": "2027-03-12T12:00:00"}]},
            "timings[0].start",
        ),
        ({"attendance_mode": "online", "location": None}, "online_url"),
        ({"location": None}, "location"),
        ({"kind": "party"}, "kind"),
        ({"organizer_ids": []}, "organizer_ids"),
        ({"age": {"min": 12, "max": 8}}, "age"),
        ({"location": {"commune_insee": "34172", "department": "31"}}, "location.department"),
        # Text is checked where it comes in: a name is one line, no text holds NUL or ESC.
        ({"location": {"name": "Quai\rdes Savoirs", "city": "Toulouse"}}, "location.name"),
        ({"location": {"name": "Quai des Savoirs", "city": "Tou\u2028louse"}}, "location.city"),
        ({"summary": "Résumé \x1b[31mrouge"}, "summary"),
        ({"description": "Texte\x00nul"}, "description"),
    ],
)
async def test_bad_event_input_names_the_field_and_writes_nothing(
    admin: httpx.AsyncClient,
    announce: Callable[..., Any],
    overrides: dict[str, Any],
    field: str,
) -> None:
    actor_id = await known_actor(announce, admin, name="Planète Sciences")
    title = f"Invalide {uuid.uuid4()}"
    response = await admin.post("/v1/events", json=forum(actor_id, title=title, **overrides))
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    listed = (await admin.get("/v1/events?limit=200")).json()["items"]
    assert title not in [e["title"] for e in listed]


@pytest.mark.parametrize("separator", ["\n", "\r", "\x0b", "\x0c", "\x85", "\u2028"])
async def test_a_title_is_one_line(
    admin: httpx.AsyncClient, new_event: Callable[..., Any], separator: str
) -> None:
    """A line feed in a title made the event's .ics a 500; it is refused where it comes in."""
    event = await new_event()
    title = f"Fête{separator}X-INJECTED:1"
    organizer = uuid.UUID(event["organizers"][0]["id"])
    created = await admin.post("/v1/events", json=forum(organizer, title=title))
    changed = await admin.patch(f"/v1/events/{event['id']}", json={"title": title})
    for response in (created, changed):
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == ["title"]
    calendar = await admin.get(f"/v1/events/{event['id']}.ics")
    assert calendar.status_code == 200
    assert b"X-INJECTED" not in calendar.content


async def test_members_create_pending_events_only_for_their_actors(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    announce: Callable[..., Any],
    member_of: Callable[..., httpx.AsyncClient],
) -> None:
    own = await known_actor(announce, admin, name="A Ciel Ouvert")
    other = await known_actor(announce, admin, name="Genopolys")
    async with member_of(own) as member:
        assert (await member.post("/v1/events", json=forum(other))).status_code == 403
        created = await member.post("/v1/events", json=forum(own, title="Nuit des étoiles"))
        assert created.status_code == 201
        assert created.json()["state"] == "pending"
        published = await member.post("/v1/events", json=forum(own, state="published"))
        assert published.status_code == 403
        assert published.headers["content-type"] == PROBLEM
        refused = await member.post("/v1/events", json=forum(own, state="refused"))
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == PROBLEM
        draft = await member.post("/v1/events", json=forum(own, state="draft"))
        assert draft.status_code == 201, draft.text
    pending_id = created.json()["id"]
    assert (await anonymous.get(f"/v1/events/{pending_id}")).status_code == 404
    assert (await admin.get(f"/v1/events/{pending_id}")).status_code == 200
    assert (await anonymous.post("/v1/events", json=forum(own))).status_code == 401


async def test_list_paginates_by_start(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, announce: Callable[..., Any]
) -> None:
    actor_id = await known_actor(announce, admin, name="Carrefour des Sciences et des Arts")
    tag = uuid.uuid4().hex[:6]
    for day in (14, 12, 13):
        timing = {"start": f"2031-05-{day}T10:00:00+02:00", "end": f"2031-05-{day}T12:00:00+02:00"}
        await admin.post("/v1/events", json=forum(actor_id, title=f"{tag} {day}", timings=[timing]))
    titles: list[str] = []
    after = ""
    while True:
        page = (await anonymous.get(f"/v1/events?limit=3{after}")).json()
        assert all(e["state"] == "published" for e in page["items"])
        titles.extend(e["title"] for e in page["items"] if e["title"].startswith(tag))
        if not page["next"]:
            break
        after = f"&after={page['next']}"
    assert titles == [f"{tag} 12", f"{tag} 13", f"{tag} 14"]


async def test_published_event_goes_out_on_jetstream(
    admin: httpx.AsyncClient, announce: Callable[..., Any], jetstream: JetStreamContext
) -> None:
    actor_id = await known_actor(announce, admin, name="L'École de l'ADN")
    event = (
        await admin.post("/v1/events", json=forum(actor_id, title="Fête de la science"))
    ).json()
    sub = await jetstream.subscribe("events.event.published", ordered_consumer=True)
    try:
        while True:
            message = await sub.next_msg(timeout=5)
            envelope = orjson.loads(message.data)
            if envelope["subject"] == event["id"]:
                break
        assert envelope["data"]["title"] == "Fête de la science"
        assert envelope["data"]["organizers"][0]["name"] == "L'École de l'ADN"
    finally:
        await sub.unsubscribe()
