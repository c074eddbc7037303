"""Read your writes: a member's calls, a consortium around a lead and a call's matches wait
for actors the directory published a moment ago (kit.read_your_writes)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable

import httpx
import pytest
from fastapi import FastAPI

from .conftest import Announce
from .test_matching_api import actor, ocean_call


@pytest.fixture
def patient(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """A loaded test machine may take longer than the 2 s of production to apply an event:
    the wait's bound is a setting, and these tests check that the wait happens."""
    monkeypatch.setattr(app.state.settings, "actor_wait_seconds", 15.0)


async def meanwhile(delay: float, publishing: Awaitable[object]) -> None:
    await asyncio.sleep(delay)
    await publishing


async def test_for_actor_and_lead_created_a_moment_ago_are_waited_for(
    admin: httpx.AsyncClient, announce: Announce, patient: None
) -> None:
    tag = uuid.uuid4().hex[:6]
    call = (await admin.post("/v1/calls", json=ocean_call(tag))).json()
    aquarium, lab = uuid.uuid4(), uuid.uuid4()

    arriving = asyncio.create_task(
        meanwhile(
            0.3,
            announce(
                "directory.actor.created",
                aquarium,
                **actor(f"Aquarium {tag}", ["aquarium_zoo"], ["sea_coast"], "76"),
            ),
        )
    )
    mine = await admin.get(
        "/v1/calls", params={"for_actor": str(aquarium), "funder": f"Funder {tag}"}
    )
    await arriving
    assert mine.status_code == 200, mine.text
    assert [c["id"] for c in mine.json()["items"]] == [call["id"]]

    arriving = asyncio.create_task(
        meanwhile(
            0.3,
            announce(
                "directory.actor.created",
                lab,
                **actor(f"Laboratoire {tag}", ["laboratory"], ["sea_coast"], "75"),
            ),
        )
    )
    partners = await admin.get(f"/v1/calls/{call['id']}/partners", params={"lead": str(lab)})
    await arriving
    assert partners.status_code == 200, partners.text
    assert partners.json()["lead"]["actor_id"] == str(lab)


async def test_an_actor_never_heard_of_is_still_422(admin: httpx.AsyncClient) -> None:
    response = await admin.get("/v1/calls", params={"for_actor": str(uuid.uuid4())})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.for_actor"


async def test_matches_count_members_published_just_before(
    admin: httpx.AsyncClient, announce: Announce, patient: None
) -> None:
    tag = uuid.uuid4().hex[:6]
    call = (await admin.post("/v1/calls", json=ocean_call(tag))).json()
    for index in range(30):
        await announce(
            "directory.actor.created",
            uuid.uuid4(),
            **actor(f"Aquarium {tag} {index}", ["aquarium_zoo"], ["sea_coast"], "76"),
        )
    matches = await admin.get(f"/v1/calls/{call['id']}/matches", params={"limit": 200})
    assert matches.status_code == 200, matches.text
    assert sum(1 for m in matches.json()["items"] if tag in m["name"]) == 30


async def test_a_caller_refused_anyway_is_refused_at_once_not_after_the_wait(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, patient: None
) -> None:
    """The waits ran before the routes checked who asks: anonymous callers naming an actor
    nobody knows held a request (and polled the database) for the whole bound, then got a
    401. Each answer below came after the 15 s the fixture allows."""
    call = (await admin.post("/v1/calls", json=ocean_call(uuid.uuid4().hex[:6]))).json()
    nobody = str(uuid.uuid4())
    asks = [
        anonymous.get("/v1/calls", params={"for_actor": nobody}),
        anonymous.get(f"/v1/calls/{call['id']}/partners", params={"lead": nobody}),
        anonymous.get(f"/v1/calls/{call['id']}/matches"),
        anonymous.post("/v1/watches", json={"name": "w", "actor_id": nobody}),
        anonymous.post(f"/v1/calls/{call['id']}/follow", json={"actor_id": nobody}),
    ]
    loop = asyncio.get_running_loop()
    started = loop.time()
    answers = await asyncio.gather(*asks)
    assert [a.status_code for a in answers] == [401] * len(asks)
    assert loop.time() - started < 5
