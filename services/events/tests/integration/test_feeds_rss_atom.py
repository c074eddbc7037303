"""RSS 2.0 and Atom feeds of the calendar, on both backends: valid XML, parsed as feeds."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from typing import Any

import feedparser
import httpx

NewEvent = Callable[..., Awaitable[dict[str, Any]]]
ATOM = "{http://www.w3.org/2005/Atom}"
# Control characters never get this far (a title is one line without them: a 422 at input,
# and the feed writers drop any stored before: events.search.syndication._clean).
NASTY = 'Chimie & "réactions" <explosives> d\'été ]]> fin'


async def change(admin: httpx.AsyncClient, event: dict[str, Any], body: dict[str, Any]) -> None:
    current = await admin.get(f"/v1/events/{event['id']}")
    response = await admin.patch(
        f"/v1/events/{event['id']}", json=body, headers={"If-Match": current.headers["ETag"]}
    )
    assert response.status_code == 200, response.text


async def test_rss_lists_published_events_newest_first_with_the_list_filters(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    announce: Callable[..., Any],
    new_event: NewEvent,
) -> None:
    word = "t" + uuid.uuid4().hex[:10]
    organizer = uuid.uuid4()
    await announce("directory.actor.created", organizer, name="Science & Cité <Lyon>")
    first = await new_event(
        title=f"{NASTY} {word}",
        organizer_id=organizer,
        summary="Des expériences pour petits & grands",
        themes=["chemistry"],
        timings=[{"start": "2031-07-14T21:00:00+02:00", "end": "2031-07-14T23:00:00+02:00"}],
    )
    second = await new_event(title=f"Forum {word}", kind="forum", status="cancelled")
    third = await new_event(title=f"Brouillon {word}", state="pending")
    await change(admin, first, {"summary": "Mis à jour en dernier"})  # now the newest

    response = await anonymous.get(f"/v1/events.rss?q={word}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    root = ET.fromstring(response.content)  # well-formed XML, or this raises
    items = root.findall("./channel/item")
    assert [item.findtext("guid") for item in items] == [
        f"urn:uuid:{first['id']}",
        f"urn:uuid:{second['id']}",
    ]  # newest change first; the pending event stays out
    assert items[0].findtext("title") == f"{NASTY} {word}"
    description = items[0].findtext("description") or ""
    assert "14 juillet 2031, de 21:00 à 23:00" in description
    assert "Science & Cité <Lyon>" in description
    assert "Mis à jour en dernier" in description
    assert items[1].findtext("title") == f"[Annulé] Forum {word}"
    assert items[0].findtext("link", "").endswith(f"/v1/events/{first['id']}")
    assert [c.text for c in items[0].findall("category")] == ["chemistry"]

    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert [entry.id for entry in parsed.entries] == [
        f"urn:uuid:{first['id']}",
        f"urn:uuid:{second['id']}",
    ]
    assert parsed.entries[0].published_parsed is not None

    # The list's filters apply, and the limit.
    forums = ET.fromstring((await anonymous.get(f"/v1/events.rss?q={word}&kind=forum")).content)
    assert [i.findtext("guid") for i in forums.findall("./channel/item")] == [
        f"urn:uuid:{second['id']}"
    ]
    one = ET.fromstring((await anonymous.get(f"/v1/events.rss?q={word}&limit=1")).content)
    assert len(one.findall("./channel/item")) == 1
    # Staff get the public feed too: a feed is meant to be shared.
    staff = ET.fromstring((await admin.get(f"/v1/events.rss?q={word}&state=pending")).content)
    assert staff.findall("./channel/item") == []
    assert third["state"] == "pending"


async def test_atom_is_valid_and_follows_changes(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    word = "t" + uuid.uuid4().hex[:10]
    older = await new_event(title=f"Nuit des étoiles {word}", themes=["astronomy_space"])
    newer = await new_event(title=f"{NASTY} {word}")

    response = await anonymous.get(
        f"/v1/events.atom?q={word}", headers={"X-Forwarded-Host": "api.maillage.example"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        f"urn:uuid:{newer['id']}",
        f"urn:uuid:{older['id']}",
    ]
    link = entries[1].find(f"{ATOM}link")
    assert link is not None
    assert link.get("href") == f"https://api.maillage.example/v1/events/{older['id']}"
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.entries[1].title == f"Nuit des étoiles {word}"
    assert parsed.entries[1].tags[0].term == "astronomy_space"

    # Readers poll with the ETag: 304 until an event changes; then the change shows.
    etag = response.headers["ETag"]
    again = await anonymous.get(f"/v1/events.atom?q={word}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    await change(admin, older, {"status": "postponed"})
    changed = await anonymous.get(f"/v1/events.atom?q={word}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    titles = [e.title for e in feedparser.parse(changed.content).entries]
    assert titles[0] == f"[Reporté] Nuit des étoiles {word}"
    # Unpublished: gone from the feed.
    await change(admin, older, {"state": "refused"})
    gone = feedparser.parse((await anonymous.get(f"/v1/events.atom?q={word}")).content)
    assert [e.id for e in gone.entries] == [f"urn:uuid:{newer['id']}"]


async def test_feed_input_errors_are_problems(anonymous: httpx.AsyncClient) -> None:
    for query, field in {
        "limit=0": "limit",
        "limit=1000": "limit",
        "near=1": "query.near",
        "kind=party": "kind",
    }.items():
        for suffix in ("rss", "atom"):
            response = await anonymous.get(f"/v1/events.{suffix}?{query}")
            assert response.status_code == 422, (suffix, query, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert field in response.text
