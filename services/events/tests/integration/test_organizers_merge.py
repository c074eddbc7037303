"""The actor projection follows the directory's merges: events move to the surviving actor.

Real NATS, both backends: the directory's ``directory.actor.merged`` is published on the
DIRECTORY stream and the events service's consumer applies it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
from fastapi import FastAPI

from events.db import outbox
from kit.service import Runtime
from kit.testing.polling import wait_until


def seminar(*organizer_ids: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Séminaire des fablabs",
        "kind": "seminar",
        "organizer_ids": [str(a) for a in organizer_ids],
        "timings": [{"start": "2031-05-20T09:30:00+02:00", "end": "2031-05-20T17:00:00+02:00"}],
        "attendance_mode": "offline",
        "location": {"name": "La Fabrique", "city": "Albi", "commune_insee": "81004"},
    }
    body.update(overrides)
    return body


async def known(announce: Callable[..., Any], admin: httpx.AsyncClient, name: str) -> uuid.UUID:
    actor_id = uuid.uuid4()
    await announce("directory.actor.created", actor_id, name=name)

    async def accepted() -> bool:
        probe = seminar(actor_id, title="probe", state="draft")
        return (await admin.post("/v1/events", json=probe)).status_code == 201

    await wait_until(accepted, what=f"{name} known to the calendar")
    return actor_id


async def updates_announced(events_app: FastAPI, event_id: str) -> list[dict[str, Any]]:
    runtime: Runtime = events_app.state.runtime
    async with runtime.database.transaction(write=False) as session:
        rows = await session.scalars(
            sa.select(outbox.table.c.envelope)
            .where(outbox.table.c.type == "events.event.updated")
            .order_by(outbox.table.c.position)
        )
        envelopes = [orjson.loads(envelope) for envelope in rows]
    return [e["data"] for e in envelopes if e["subject"] == event_id]


async def test_merged_actor_events_move_to_the_survivor_once(
    events_app: FastAPI, admin: httpx.AsyncClient, announce: Callable[..., Any]
) -> None:
    merged = await known(announce, admin, "Science Animation 31")
    survivor = await known(announce, admin, "Science Animation")
    other = await known(announce, admin, "Planète Sciences Occitanie")
    alone = (await admin.post("/v1/events", json=seminar(merged))).json()
    shared = (await admin.post("/v1/events", json=seminar(other, merged, survivor))).json()
    draft = (await admin.post("/v1/events", json=seminar(merged, state="draft"))).json()
    untouched = (await admin.post("/v1/events", json=seminar(other))).json()

    merge = await announce("directory.actor.merged", merged, survivor_id=str(survivor), version=2)

    async def moved() -> dict[str, Any] | None:
        body = (await admin.get(f"/v1/events/{alone['id']}")).json()
        return dict(body) if body["organizer_ids"] == [str(survivor)] else None

    after = await wait_until(moved, what="event re-pointed to the survivor")
    assert after["organizers"] == [
        {"id": str(survivor), "name": "Science Animation", "department": None}
    ]
    assert after["version"] == 2
    shared_after = (await admin.get(f"/v1/events/{shared['id']}")).json()
    # The survivor already organized it: the merged actor is dropped, not duplicated.
    assert shared_after["organizer_ids"] == [str(other), str(survivor)]
    assert shared_after["version"] == 2
    draft_after = (await admin.get(f"/v1/events/{draft['id']}")).json()
    assert draft_after["organizer_ids"] == [str(survivor)]
    assert (await admin.get(f"/v1/events/{untouched['id']}")).json()["version"] == 1

    # Published events tell partners of their new organizers; drafts tell nobody.
    [announced] = await updates_announced(events_app, alone["id"])
    assert announced["organizer_ids"] == [str(survivor)]
    assert len(await updates_announced(events_app, shared["id"])) == 1
    assert await updates_announced(events_app, draft["id"]) == []

    # The same merge again (redelivered, or sent twice with another id) changes nothing.
    await announce(
        "directory.actor.merged", merged, event_id=merge.id, survivor_id=str(survivor), version=2
    )
    await announce("directory.actor.merged", merged, survivor_id=str(survivor), version=2)
    # Then a rename of the survivor: once it shows, the two merges were handled before it.
    await announce(
        "directory.actor.updated", survivor, name="Science Animation Occitanie", version=3
    )

    async def renamed() -> dict[str, Any] | None:
        body = (await admin.get(f"/v1/events/{alone['id']}")).json()
        named = body["organizers"][0]["name"] == "Science Animation Occitanie"
        return dict(body) if named else None

    # The replayed merges changed nothing; the rename re-announced each event once.
    assert (await wait_until(renamed, what="survivor renamed"))["version"] == 3
    shared_renamed = (await admin.get(f"/v1/events/{shared['id']}")).json()
    assert shared_renamed["organizers"][-1]["name"] == "Science Animation Occitanie"
    assert shared_renamed["version"] >= 2
    assert len(await updates_announced(events_app, alone["id"])) == 2

    # The merged actor can no longer organize anything new.
    refused = await admin.post("/v1/events", json=seminar(merged))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "organizer_ids[0]"


async def test_a_deleted_organizer_leaves_its_events_readable_and_editable(
    admin: httpx.AsyncClient, announce: Callable[..., Any]
) -> None:
    gone = await known(announce, admin, "Les Petits Débrouillards du Lot")
    event = (await admin.post("/v1/events", json=seminar(gone))).json()
    await announce("directory.actor.deleted", gone, version=2)

    async def refused() -> bool:
        return (await admin.post("/v1/events", json=seminar(gone))).status_code == 422

    await wait_until(refused, what="deleted organizer refused for new events")
    read = await admin.get(f"/v1/events/{event['id']}")
    assert read.status_code == 200
    assert read.json()["organizers"][0]["name"] == "Les Petits Débrouillards du Lot"
    # Its other fields still change; only adding a deleted actor anew is refused.
    renamed = await admin.patch(
        f"/v1/events/{event['id']}",
        json={"title": "Séminaire des fablabs du Lot"},
        headers={"If-Match": '"1"'},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["organizer_ids"] == [str(gone)]


async def test_merges_follow_a_survivor_that_was_merged_itself(
    admin: httpx.AsyncClient, announce: Callable[..., Any]
) -> None:
    first = await known(announce, admin, "Club astro de Fleurance")
    middle = await known(announce, admin, "Astro Fleurance")
    last = await known(announce, admin, "Ferme des étoiles")
    event = (await admin.post("/v1/events", json=seminar(first))).json()
    # The directory merged `middle` into `last`, then `first` into `middle`.
    await announce("directory.actor.merged", middle, survivor_id=str(last), version=2)
    await announce("directory.actor.merged", first, survivor_id=str(middle), version=2)

    async def moved() -> dict[str, Any] | None:
        body = (await admin.get(f"/v1/events/{event['id']}")).json()
        return dict(body) if body["organizer_ids"] != [str(first)] else None

    after = await wait_until(moved, what="event re-pointed")
    assert after["organizer_ids"] == [str(last)]
    assert after["organizers"][0]["name"] == "Ferme des étoiles"


async def test_a_renamed_organizer_re_announces_each_event_showing_it(
    events_app: FastAPI, admin: httpx.AsyncClient, announce: Callable[..., Any]
) -> None:
    actor = await known(announce, admin, "Fermat Science")
    event = (await admin.post("/v1/events", json=seminar(actor))).json()
    draft = (await admin.post("/v1/events", json=seminar(actor, state="draft"))).json()
    since = event["updated_at"]

    await announce("directory.actor.updated", actor, name="Fermat Science Occitanie", version=2)

    async def renamed() -> dict[str, Any] | None:
        body = (await admin.get(f"/v1/events/{event['id']}")).json()
        return dict(body) if body["version"] == 2 else None

    after = await wait_until(renamed, what="event re-announced with the new name")
    assert after["organizers"][0]["name"] == "Fermat Science Occitanie"
    assert after["updated_at"] > since
    [announced] = await updates_announced(events_app, event["id"])
    assert announced["organizers"][0]["name"] == "Fermat Science Occitanie"
    assert await updates_announced(events_app, draft["id"]) == []
    changed = (await admin.get("/v1/events", params={"updated_since": since})).json()["items"]
    assert event["id"] in [e["id"] for e in changed]

    # A change that does not show on events (its status) announces nothing more.
    await announce(
        "directory.actor.updated",
        actor,
        name="Fermat Science Occitanie",
        status="archived",
        version=3,
    )
    await announce("directory.actor.updated", actor, name="Fermat Science Occitanie", version=4)
    await announce("directory.actor.updated", actor, name="Fermat Science", version=5)

    async def renamed_back() -> dict[str, Any] | None:
        body = (await admin.get(f"/v1/events/{event['id']}")).json()
        return dict(body) if body["organizers"][0]["name"] == "Fermat Science" else None

    # Consumed in order: by the time the name is back, versions 3 and 4 went through.
    assert (await wait_until(renamed_back, what="renamed back"))["version"] == 3
    assert len(await updates_announced(events_app, event["id"])) == 2
