"""iCalendar feeds on both backends: parsed back with the icalendar library."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from icalendar import Calendar

from kit.testing.polling import wait_until

NewEvent = Callable[..., Awaitable[dict[str, Any]]]


async def asgi_get(
    app: FastAPI, path: str, headers: httpx.Headers
) -> tuple[int, dict[bytes, bytes], list[bytes]]:
    """GET ``path`` straight through ASGI, keeping each body message the app sends."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1234),
        "server": ("service", 80),
    }
    sent: list[dict[str, Any]] = []
    requested = False
    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()  # the client stays connected until the response ends
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            finished.set()

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    chunks = [m["body"] for m in sent if m["type"] == "http.response.body" and m.get("body")]
    return start["status"], dict(start["headers"]), chunks


TITLE = "Forum « Sciences, société; médiation » à Sète — édition spéciale été"


async def test_event_ics_has_one_vevent_per_timing_and_follows_changes(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event(
        title=TITLE,
        description="Programme : ateliers, conférences; visites\nInscription conseillée.",
        timings=[
            {"start": "2031-03-28T09:00:00+01:00", "end": "2031-03-28T12:00:00+01:00"},
            {"start": "2031-03-31T14:00:00+02:00", "end": "2031-03-31T17:00:00+02:00"},
        ],
    )
    response = await anonymous.get(f"/v1/events/{event['id']}.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))
    parsed = Calendar.from_ical(response.content)
    vevents = parsed.events
    assert [str(v["uid"]) for v in vevents] == [
        f"{event['id']}-0@maillage",
        f"{event['id']}-1@maillage",
    ]
    assert str(vevents[0]["summary"]) == f"{TITLE} (1/2)"
    assert "ateliers, conférences; visites\nInscription" in str(vevents[0]["description"])
    assert [v.decoded("dtstart").isoformat() for v in vevents] == [
        "2031-03-28T09:00:00+01:00",
        "2031-03-31T14:00:00+02:00",
    ]
    assert [int(v["sequence"]) for v in vevents] == [1, 1]
    assert [tz["tzid"] for tz in parsed.timezones] == ["Europe/Paris"]

    await admin.patch(f"/v1/events/{event['id']}", json={"status": "cancelled"})
    after = Calendar.from_ical((await anonymous.get(f"/v1/events/{event['id']}.ics")).content)
    assert [str(v["uid"]) for v in after.events] == [str(v["uid"]) for v in vevents]
    assert [int(v["sequence"]) for v in after.events] == [2, 2]
    assert {str(v["status"]) for v in after.events} == {"CANCELLED"}


async def test_ics_routes_are_not_taken_for_event_ids(anonymous: httpx.AsyncClient) -> None:
    feed = await anonymous.get("/v1/events.ics")
    assert feed.status_code == 200
    missing = await anonymous.get(f"/v1/events/{uuid.uuid4()}.ics")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/event-not-found")
    assert (await anonymous.get("/v1/events/not-a-uuid.ics")).status_code == 422


async def test_feed_streams_every_published_event_once_across_batches(
    anonymous: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    announce: Callable[..., Any],
    new_event: NewEvent,
    events_app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(events_app.state.settings, "ics_batch_size", 2)
    tag = uuid.uuid4().hex[:8]
    actor_id = uuid.uuid4()
    await announce("directory.actor.created", actor_id, name="Échosciences")
    ids = []
    for day in (3, 1, 2, 1, 5):  # two events start at the same time: the keyset uses the id
        timing = {
            "start": f"2032-02-0{day}T18:00:00+01:00",
            "end": f"2032-02-0{day}T20:00:00+01:00",
        }
        created = await new_event(organizer_id=actor_id, title=f"{tag} {day}", timings=[timing])
        ids.append(created["id"])
    async with member_of(actor_id) as member:
        pending = await member.post(
            "/v1/events",
            json={
                "title": f"{tag} en attente",
                "kind": "workshop",
                "organizer_ids": [str(actor_id)],
                "timings": [
                    {"start": "2032-02-04T18:00:00+01:00", "end": "2032-02-04T20:00:00+01:00"}
                ],
                "location": {"city": "Toulouse", "commune_insee": "31555"},
            },
        )
        assert pending.json()["state"] == "pending"

    status, headers, chunks = await asgi_get(events_app, "/v1/events.ics", anonymous.headers)
    assert status == 200
    assert headers[b"content-type"] == b"text/calendar; charset=utf-8"
    assert len(chunks) > 3  # sent batch by batch (httpx's ASGI transport would hide it)
    body = b"".join(chunks)
    assert body.startswith(b"BEGIN:VCALENDAR\r\n")
    assert body.endswith(b"END:VCALENDAR\r\n")
    parsed = Calendar.from_ical(body)
    ours = [v for v in parsed.events if str(v["summary"]).startswith(tag)]
    assert sorted(str(v["uid"]) for v in ours) == sorted(f"{i}-0@maillage" for i in ids)
    assert [str(v["summary"]) for v in ours] == [f"{tag} {d}" for d in (1, 1, 2, 3, 5)]
    assert "Organisé par : Échosciences" in str(ours[0]["description"])
    uids = [str(v["uid"]) for v in parsed.events]
    assert len(uids) == len(set(uids))


async def test_feed_answers_304_until_something_changes(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    announce: Callable[..., Any],
    new_event: NewEvent,
) -> None:
    actor_id = uuid.uuid4()
    await announce("directory.actor.created", actor_id, name="Kimiyo")
    event = await new_event(organizer_id=actor_id, themes=["chemistry"])
    url = "/v1/events.ics?theme=chemistry"
    first = await anonymous.get(url)
    etag = first.headers["etag"]
    unchanged = await anonymous.get(url, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    other_filter = await anonymous.get("/v1/events.ics?theme=physics")
    assert other_filter.headers["etag"] != etag

    await admin.patch(f"/v1/events/{event['id']}", json={"summary": "Nouveau programme"})
    changed = await anonymous.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "Nouveau programme" in str(Calendar.from_ical(changed.content).events[0]["description"])

    etag = changed.headers["etag"]
    await announce("directory.actor.updated", actor_id, name="Kimiyo Chimie", version=2)

    async def renamed() -> bool:
        response = await anonymous.get(url, headers={"If-None-Match": etag})
        return response.status_code == 200 and b"Kimiyo Chimie" in response.content

    await wait_until(renamed, what="feed changes with the organizer's name")
