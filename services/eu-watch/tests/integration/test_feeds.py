"""The calls' calendar and RSS feeds, parsed back by independent readers."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar


async def test_every_deadline_is_an_event_at_its_brussels_time_with_a_stable_uid(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    funder = f"Fondation {uuid.uuid4().hex[:8]}"
    title = "Sciences, société; citoyens\nEurope, ensemble"
    created = await admin.post(
        "/v1/calls",
        json={
            "identifier": f"HORIZON-T-{uuid.uuid4().hex[:8]}",
            "title": title,
            "funder": funder,
            "deadline_model": "two-stage",
            "deadlines": ["2099-02-04", "2099-09-15"],
            "url": "https://ec.europa.eu/info/funding-tenders/opportunities/portal/",
        },
    )
    assert created.status_code == 201, created.text
    call = created.json()
    response = await anonymous.get("/v1/calls.ics", params={"funder": funder})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n"))
    parsed = Calendar.from_ical(response.content)
    events = parsed.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [
        f"{call['id']}-0@maillage",
        f"{call['id']}-1@maillage",
    ]
    brussels = ZoneInfo("Europe/Brussels")
    starts = [e.decoded("DTSTART") for e in events]
    assert starts == [
        datetime(2099, 2, 4, 17, 0, tzinfo=brussels),
        datetime(2099, 9, 15, 17, 0, tzinfo=brussels),
    ]
    assert [s.utcoffset() for s in starts] == [timedelta(hours=1), timedelta(hours=2)]
    assert str(events[0]["SUMMARY"]) == f"Date limite (étape 1/2) : {title}"
    assert parsed.walk("VTIMEZONE")[0]["TZID"] == "Europe/Brussels"
    again = await anonymous.get("/v1/calls.ics", params={"funder": funder})
    assert [str(e["UID"]) for e in Calendar.from_ical(again.content).walk("VEVENT")] == [
        str(e["UID"]) for e in events
    ]


async def test_rss_lists_the_calls_newest_first(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    funder = f"Fondation {uuid.uuid4().hex[:8]}"
    for title in ("First <call> & co", "Second call"):
        response = await admin.post(
            "/v1/calls",
            json={"identifier": f"X-{uuid.uuid4().hex[:8]}", "title": title, "funder": funder},
        )
        assert response.status_code == 201
    response = await anonymous.get("/v1/calls.rss", params={"funder": funder})
    assert response.headers["content-type"].startswith("application/rss+xml")
    channel = ElementTree.fromstring(response.content).find("channel")
    assert channel is not None
    assert [item.findtext("title") for item in channel.iter("item")] == [
        "Second call",
        "First <call> & co",
    ]
