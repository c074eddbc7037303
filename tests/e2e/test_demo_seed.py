"""The demo data, seeded into a running stack through the public API, exercises what the API
offers: events of every kind on the map, a training with sessions, registrations on the
platform and an event full with people on its waitlist, survey invitations mailed to the
local sink and an observatory line of two published waves; seeding again adds nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from contracts.vocabularies import EventKind
from kit.mail.sink import received
from kit.testing.polling import wait_until
from maillage_cli.demo_data import ACTORS, DEMO_FOLLOW, EVENTS, SURVEY_SERIES, WITHOUT_EMAIL
from maillage_cli.seed import admin_client, seed
from maillage_cli.stack import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture
async def admin(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with admin_client(stack.api_url, stack.admin_key, timeout=60) as client:
        yield client


async def test_the_demo_exercises_the_calendar_and_seeding_again_adds_nothing(
    admin: httpx.AsyncClient, stack: Stack
) -> None:
    first = await seed(admin)
    assert first.events_created == len(EVENTS)
    assert first.registrations_created == sum(len(e.registrants) for e in EVENTS)

    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as anonymous:
        page = (await anonymous.get("/v1/events", params={"limit": 200, "facets": "kind"})).json()
        events = {e["title"]: e for e in page["items"]}
        # An event of each kind, as the facet counts say.
        assert {f["value"] for f in page["facets"]["kind"]} == {k.value for k in EventKind}
        # Every event held somewhere is on the map; some at their address, others at
        # their commune's centre.
        placed = [e for e in events.values() if e["attendance_mode"] != "online"]
        assert all(e["location"]["lat"] is not None for e in placed)
        precisions = {e["location"]["geo_precision"] for e in placed}
        assert precisions == {"address", "commune"}
        near_montpellier = (
            await anonymous.get(
                "/v1/events", params={"near": "43.61,3.88", "radius_km": 15, "limit": 50}
            )
        ).json()["items"]
        assert "Visite des laboratoires de Genopolys" in {e["title"] for e in near_montpellier}

        # A training with its sessions, taking registrations here.
        training = next(e for e in events.values() if e["kind"] == "training")
        assert len(training["training"]["sessions"]) == 2
        assert training["registration"]["mode"] == "internal"
        assert training["registration_counts"]["confirmed"] == 6

        # The visit: 3 seats taken, 2 people waiting.
        visit = events["Visite des laboratoires de Genopolys"]
        counts = visit["registration_counts"]
        assert (counts["confirmed"], counts["available"], counts["waitlisted"]) == (3, 0, 2)

    listed = (await admin.get(f"/v1/events/{visit['id']}/registrations")).json()["items"]
    assert sorted(r["status"] for r in listed) == [
        "confirmed",
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]

    # The EU watch: a member's watch and the network's, a followed call.
    watches = (await admin.get("/v1/watches")).json()["items"]
    assert sorted((w["frequency"], w["actor_id"] is None) for w in watches) == [
        ("immediate", False),
        ("weekly", True),
    ]
    followed = (await admin.get("/v1/calls/followed")).json()["items"]
    assert [f["call"]["identifier"] for f in followed] == [DEMO_FOLLOW[1]]

    # The surveys: most demo actors have a public address, so their invitations are mailed.
    waves = (await admin.get("/v1/surveys", params={"series": SURVEY_SERIES})).json()["items"]
    opened = next(w for w in waves if w["status"] == "open")
    invitations = (
        await admin.get(f"/v1/surveys/{opened['id']}/invitations", params={"limit": 200})
    ).json()["items"]
    addressed = {i["email"] for i in invitations if i["email"]}
    assert len(addressed) == len(ACTORS) - len(WITHOUT_EMAIL)
    assert {i["status"] for i in invitations} >= {"submitted", "partial"}

    async def invited() -> set[str] | None:
        to = {
            str(rcpt)
            for m in received(stack.mail_dir)
            for rcpt in m.message.get_all("X-Sink-Envelope-To") or []
        }
        return to if addressed <= to else None

    await wait_until(invited, what="survey invitations in the mail sink", within=60)
    # Every public indicator draws a line of at least two published waves.
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=60) as anonymous:
        indicators = (
            await anonymous.get("/v1/indicators", params={"series": SURVEY_SERIES})
        ).json()["items"]
        assert indicators
        for indicator in indicators:
            line = (await anonymous.get(f"/v1/indicators/{indicator['id']}")).json()["waves"]
            assert len(line) >= 2, indicator["name"]

    again = await seed(admin)
    assert (again.events_created, again.registrations_created) == (0, 0)
    assert (again.surveys_created, again.responses_created) == (0, 0)
    assert again.events_existing == len(EVENTS)
    assert len((await admin.get("/v1/watches")).json()["items"]) == 2
