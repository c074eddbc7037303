"""Read your writes: an invitation run naming actors the directory created a moment ago, or
an audience they join, waits for the projection instead of missing them (kit.read_your_writes)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from fastapi import FastAPI

from .conftest import Announce
from .test_invitations import open_survey


@pytest.fixture
def patient(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    """A loaded test machine may take longer than the 2 s of production to apply an event:
    the wait's bound is a setting, and these tests check that the wait happens."""
    monkeypatch.setattr(app.state.settings, "actor_wait_seconds", 15.0)


async def test_named_actors_heard_of_a_moment_later_are_waited_for(
    admin: httpx.AsyncClient, announce: Announce, patient: None
) -> None:
    survey = await open_survey(admin)
    actor_id = uuid.uuid4()

    async def created_in_the_directory_meanwhile() -> None:
        await asyncio.sleep(0.3)
        await announce(
            "directory.actor.created",
            actor_id,
            name="Arrivé à l'instant",
            email=f"new-{actor_id.hex[:8]}@example.org",
        )

    arriving = asyncio.create_task(created_in_the_directory_meanwhile())
    response = await admin.post(
        f"/v1/surveys/{survey['id']}/invitations", json={"actor_ids": [str(actor_id)]}
    )
    await arriving

    assert response.status_code == 200, response.text
    assert response.json()["matched"] == 1
    assert response.json()["reachable"] == 1


async def test_an_actor_never_heard_of_is_still_422_naming_it(admin: httpx.AsyncClient) -> None:
    survey = await open_survey(admin)
    response = await admin.post(
        f"/v1/surveys/{survey['id']}/invitations",
        json={"actor_ids": [str(uuid.uuid4()), str(uuid.uuid4())]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "actor_ids[0]"


async def test_an_audience_counts_actors_published_just_before(
    admin: httpx.AsyncClient, announce: Announce, patient: None
) -> None:
    survey = await open_survey(admin)
    url = f"/v1/surveys/{survey['id']}/invitations"
    audience = {"type": ["planetarium"], "department": ["48"]}
    # The projection is shared by the tests: count from what matched before.
    before = (await admin.post(url, json={"audience": audience})).json()["matched"]
    tag = uuid.uuid4().hex[:8]
    for index in range(30):
        await announce(
            "directory.actor.created",
            uuid.uuid4(),
            name=f"{tag} planétarium {index}",
            types=["planetarium"],
            address={"department": "48", "region": "76"},
            email=f"{tag}-{index}@example.org",
        )
    response = await admin.post(url, json={"audience": audience})
    assert response.status_code == 200, response.text
    assert response.json()["matched"] == before + 30


async def test_a_caller_who_may_not_invite_is_refused_at_once_not_after_the_wait(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, patient: None
) -> None:
    """The wait is a route dependency, run before the route checks who asks: an anonymous
    run naming an actor nobody knows held its request for the whole bound (the fixture's
    15 s), then got its 401."""
    survey = await open_survey(admin)
    loop = asyncio.get_running_loop()
    started = loop.time()
    refused = await anonymous.post(
        f"/v1/surveys/{survey['id']}/invitations", json={"actor_ids": [str(uuid.uuid4())]}
    )
    assert refused.status_code == 401
    assert loop.time() - started < 5
