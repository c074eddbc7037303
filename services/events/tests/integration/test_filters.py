"""Calendar filters on both backends, the same for the JSON list and the iCalendar feed."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from icalendar import Calendar

NewEvent = Callable[..., Awaitable[dict[str, Any]]]
WINDOW = "from=2033-01-01T00:00:00%2B01:00&to=2033-03-01T00:00:00%2B01:00"


def day(date: str) -> dict[str, str]:
    return {"start": f"{date}T10:00:00+01:00", "end": f"{date}T12:00:00+01:00"}


async def test_filters_select_events_for_the_list_and_the_feed(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    announce: Callable[..., Any],
    new_event: NewEvent,
) -> None:
    tag = uuid.uuid4().hex[:8]
    a, b = uuid.uuid4(), uuid.uuid4()
    await announce("directory.actor.created", a, name="Quai des Savoirs")
    await announce("directory.actor.created", b, name="Station biologique de Sète")
    training = await new_event(
        organizer_id=a,
        title=f"{tag} formation",
        kind="training",
        themes=["biology"],
        timings=[day("2033-01-10"), day("2033-01-24")],
    )
    forum = await new_event(
        organizer_id=b,
        title=f"{tag} forum",
        kind="forum",
        themes=["environment", "sea_coast"],
        location={"city": "Sète", "commune_insee": "34301"},
        timings=[day("2033-01-15")],
        status="cancelled",
    )
    workshop = await new_event(
        organizer_id=a,
        title=f"{tag} atelier",
        kind="workshop",
        themes=["digital"],
        location={"city": "Bordeaux", "commune_insee": "33063"},
        timings=[day("2033-02-01")],
        state="pending",
    )
    names = {training["id"]: "training", forum["id"]: "forum", workshop["id"]: "workshop"}

    async def found(client: httpx.AsyncClient, query: str) -> list[str]:
        response = await client.get(f"/v1/events?limit=200&{query}")
        assert response.status_code == 200, response.text
        return [names[e["id"]] for e in response.json()["items"] if e["id"] in names]

    # Multi-session events match only where a session overlaps the window.
    assert await found(anonymous, "from=2033-01-12T00:00:00Z&to=2033-01-20T00:00:00Z") == ["forum"]
    assert await found(anonymous, "from=2033-01-20T00:00:00Z&to=2033-01-25T00:00:00Z") == [
        "training"
    ]
    # A date alone is the start of that day in Europe/Paris.
    assert await found(anonymous, "from=2033-01-12&to=2033-01-20") == ["forum"]
    assert await found(anonymous, "from=2033-01-16&to=2033-01-20") == []
    assert await found(anonymous, f"{WINDOW}&kind=training") == ["training"]
    assert await found(anonymous, f"{WINDOW}&kind=training&kind=forum") == ["training", "forum"]
    assert await found(anonymous, f"{WINDOW}&theme=sea_coast") == ["forum"]
    assert await found(anonymous, f"{WINDOW}&theme=biology&theme=environment") == [
        "training",
        "forum",
    ]
    assert await found(anonymous, f"{WINDOW}&department=34") == ["forum"]
    assert await found(anonymous, f"{WINDOW}&region=76") == ["training", "forum"]
    assert await found(anonymous, f"{WINDOW}&region=75") == []
    assert await found(admin, f"{WINDOW}&region=75") == ["workshop"]
    assert await found(anonymous, f"{WINDOW}&organizer_id={a}") == ["training"]
    assert await found(admin, f"{WINDOW}&organizer_id={a}") == ["training", "workshop"]
    assert await found(anonymous, f"{WINDOW}&status=cancelled") == ["forum"]
    assert await found(anonymous, f"{WINDOW}&state=pending") == []
    assert await found(admin, f"{WINDOW}&state=pending") == ["workshop"]
    assert await found(admin, f"{WINDOW}&theme=digital&kind=training") == []

    feed = await anonymous.get(f"/v1/events.ics?{WINDOW}&theme=sea_coast&theme=digital")
    assert feed.status_code == 200
    summaries = [str(v["summary"]) for v in Calendar.from_ical(feed.content).events]
    assert summaries == [f"{tag} forum"]  # the pending workshop stays out of the public feed


async def test_relative_and_audience_filters(
    anonymous: httpx.AsyncClient, new_event: NewEvent
) -> None:
    now = datetime.now(UTC)
    around = {
        "start": (now - timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(hours=1)).isoformat(),
    }
    tag = uuid.uuid4().hex[:8]
    past = await new_event(title=f"{tag} passé", timings=[day("2021-05-04")])
    current = await new_event(
        title=f"{tag} en cours", timings=[around], audiences=["seniors", "families"]
    )
    # Started last year, with a session still to come: both passed-started and upcoming.
    upcoming = await new_event(
        title=f"{tag} à venir",
        timings=[day("2021-06-01"), day("2034-06-01")],
        audiences=["school_groups"],
    )
    names = {past["id"]: "past", current["id"]: "current", upcoming["id"]: "upcoming"}

    async def found(query: str) -> list[str]:
        response = await anonymous.get(f"/v1/events?limit=200&{query}")
        assert response.status_code == 200, response.text
        return sorted(names[e["id"]] for e in response.json()["items"] if e["id"] in names)

    assert await found("relative=passed") == ["past"]
    assert await found("relative=current") == ["current"]
    assert await found("relative=upcoming") == ["upcoming"]
    assert await found("audience=seniors") == ["current"]
    assert await found("audience=school_groups&audience=families") == ["current", "upcoming"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2033-02-01T00:00:00Z&to=2033-01-01T00:00:00Z", "query.to"),
        ("from=2033-02-01T00:00:00", "query.from"),
        ("theme=party", "query.theme[0]"),
        ("kind=party", "query.kind[0]"),
        ("department=99", "query.department[0]"),
        ("organizer_id=nope", "query.organizer_id[0]"),
        ("relative=tomorrow", "query.relative"),
        ("audience=martians", "query.audience[0]"),
    ],
)
@pytest.mark.parametrize("path", ["/v1/events", "/v1/events.ics"])
async def test_bad_filters_are_422_naming_the_parameter(
    anonymous: httpx.AsyncClient, path: str, query: str, field: str
) -> None:
    response = await anonymous.get(f"{path}?{query}")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]
