"""Finding events on both backends: full text, map, accessibility, age, facets, sync."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import orjson
from nats.js import JetStreamContext

NewEvent = Callable[..., Awaitable[dict[str, Any]]]
TOULOUSE = (43.6045, 1.4440)


def tag() -> str:
    """A word no other test uses, so each test finds only its own events."""
    return "t" + uuid.uuid4().hex[:10]


def place(city: str, insee: str, lat: float, lon: float) -> dict[str, Any]:
    return {
        "name": f"Salle de {city}",
        "city": city,
        "commune_insee": insee,
        "lat": lat,
        "lon": lon,
    }


async def ids(client: httpx.AsyncClient, query: str) -> list[str]:
    response = await client.get(f"/v1/events?limit=100&{query}")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_q_is_accent_and_case_insensitive_and_stemmed(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    word = tag()
    stars = await new_event(
        title=f"Les Étoiles du Muséum {word}",
        summary="Observation du ciel d'été",
        location=place("Toulouse", "31555", *TOULOUSE),
    )
    sea = await new_event(
        title=f"Forum mer et littoral {word}",
        description="Les scientifiques présentent leurs découvertes océanographiques.",
        location=place("Sète", "34301", 43.4028, 3.6928),
    )
    assert await ids(anonymous, f"q=etoile+museum+{word}") == [stars["id"]]
    assert await ids(anonymous, f"q=ÉTOILES {word}") == [stars["id"]]
    # Stems match as prefixes, in the summary, description and place too.
    assert await ids(anonymous, f"q=decouverte+{word}") == [sea["id"]]
    assert await ids(anonymous, f"q=oceanographique+{word}") == [sea["id"]]
    assert await ids(anonymous, f"q=ete+{word}") == [stars["id"]]
    assert await ids(anonymous, f"q=sete+{word}") == [sea["id"]]
    assert sorted(await ids(anonymous, f"q={word}")) == sorted([stars["id"], sea["id"]])
    # Every word must match; other filters still apply.
    assert await ids(anonymous, f"q=etoiles+littoral+{word}") == []
    assert await ids(anonymous, f"q={word}&department=34") == [sea["id"]]
    assert await ids(anonymous, f"q={word}&department=31&kind=forum") == []

    # With dates: the window's months narrow the text search, the exact overlap decides.
    march = "from=2031-03-12T16:00:00Z&to=2031-04-01T00:00:00Z"
    assert sorted(await ids(anonymous, f"q={word}&{march}")) == sorted([stars["id"], sea["id"]])
    assert await ids(anonymous, f"q={word}&from=2031-03-12T17:00:00Z&to=2031-05-01T00:00:00Z") == []
    assert await ids(anonymous, f"q={word}&from=2031-02-01T00:00:00Z&to=2031-03-12T08:00:00Z") == []
    decades = "from=2020-01-01T00:00:00Z&to=2040-01-01T00:00:00Z"
    assert len(await ids(anonymous, f"q={word}&{decades}")) == 2
    assert await ids(anonymous, f"q={word}&theme=physics") == []
    # The filter tokens of the text index are not words anyone can search for.
    assert await ids(anonymous, f"q={word}+xd34") == []
    assert await ids(anonymous, f"q={word}+xm203103") == []

    # A change of title is searchable at once; the old words are gone.
    patched = await admin.patch(
        f"/v1/events/{stars['id']}",
        json={"title": f"Nuit des planètes {word}"},
        headers={"If-Match": f'"{stars["version"]}"'},
    )
    assert patched.status_code == 200, patched.text
    assert await ids(anonymous, f"q=planete+{word}") == [stars["id"]]
    assert await ids(anonymous, f"q=etoile+museum+{word}") == []
    moved = await admin.patch(
        f"/v1/events/{stars['id']}",
        json={
            "timings": [{"start": "2032-06-30T22:30:00+02:00", "end": "2032-07-01T01:00:00+02:00"}]
        },
        headers={"If-Match": patched.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text
    assert await ids(anonymous, f"q={word}&{march}") == [sea["id"]]
    # Across a month's end, in UTC or Paris time alike.
    june = "from=2032-06-30T21:00:00Z&to=2032-07-01T00:00:00Z"
    assert await ids(anonymous, f"q={word}&{june}") == [stars["id"]]
    july = "from=2032-07-01T00:00:00%2B02:00&to=2032-07-02T00:00:00%2B02:00"
    assert await ids(anonymous, f"q={word}&{july}") == [stars["id"]]


async def test_near_bbox_accessibility_and_age(
    anonymous: httpx.AsyncClient, new_event: NewEvent
) -> None:
    word = tag()
    toulouse = await new_event(
        title=f"Atelier {word}",
        location=place("Toulouse", "31555", *TOULOUSE),
        accessibility={"hearing": True, "motor": True},
        age={"min": 6, "max": 12},
    )
    # Blagnac, 8 km from the centre of Toulouse.
    blagnac = await new_event(
        title=f"Visite {word}",
        location=place("Blagnac", "31069", 43.6364, 1.3906),
        accessibility={"motor": True},
        age={"min": 14},
    )
    montpellier = await new_event(
        title=f"Conférence {word}",
        location=place("Montpellier", "34172", 43.6108, 3.8767),
    )
    online = await new_event(
        title=f"Webinaire {word}",
        kind="webinar",
        attendance_mode="online",
        location=None,
        online_url="https://visio.example.org/csti",
    )
    lat, lon = TOULOUSE
    # near=lat,lon&radius_km= as for actors (20 km by default).
    assert await ids(anonymous, f"q={word}&near={lat},{lon}&radius_km=5") == [toulouse["id"]]
    assert sorted(await ids(anonymous, f"q={word}&near={lat},{lon}&radius_km=10")) == sorted(
        [toulouse["id"], blagnac["id"]]
    )
    assert sorted(await ids(anonymous, f"q={word}&near={lat},{lon}")) == sorted(
        [toulouse["id"], blagnac["id"]]
    )
    assert len(await ids(anonymous, f"q={word}&near={lat},{lon}&radius_km=200")) == 3
    # The former near=lat,lon,km still answers, marked deprecated.
    legacy = await anonymous.get(f"/v1/events?q={word}&near={lat},{lon},5")
    assert [e["id"] for e in legacy.json()["items"]] == [toulouse["id"]]
    assert legacy.headers["Deprecation"] == "true"
    assert await ids(anonymous, f"q={word}&bbox=3.5,43.5,4.0,43.7") == [montpellier["id"]]
    assert sorted(await ids(anonymous, f"q={word}&bbox=1.0,43.0,2.0,44.0")) == sorted(
        [toulouse["id"], blagnac["id"]]
    )
    assert sorted(await ids(anonymous, f"q={word}&accessibility=motor")) == sorted(
        [toulouse["id"], blagnac["id"]]
    )
    # Every flag asked for must hold (comma-separated or repeated).
    assert await ids(anonymous, f"q={word}&accessibility=motor,hearing") == [toulouse["id"]]
    assert await ids(anonymous, f"q={word}&accessibility=motor&accessibility=hearing") == [
        toulouse["id"]
    ]
    assert await ids(anonymous, f"q={word}&accessibility=visual") == []
    # An age inside the range; events with no age range are for everyone.
    assert sorted(await ids(anonymous, f"q={word}&age=8")) == sorted(
        [toulouse["id"], montpellier["id"], online["id"]]
    )
    assert sorted(await ids(anonymous, f"q={word}&age=40")) == sorted(
        [blagnac["id"], montpellier["id"], online["id"]]
    )
    assert sorted(await ids(anonymous, f"q={word}&age=13")) == sorted(
        [montpellier["id"], online["id"]]
    )
    assert await ids(anonymous, f"q={word}&attendance_mode=online") == [online["id"]]

    # The iCalendar feed takes the same filters.
    feed = await anonymous.get(f"/v1/events.ics?q={word}&near={lat},{lon}&radius_km=5")
    assert feed.status_code == 200
    assert f"Atelier {word}".encode() in feed.content
    assert b"Visite" not in feed.content


async def test_facets_count_under_the_other_filters(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    word = tag()
    await new_event(
        title=f"Forum {word}",
        kind="forum",
        themes=["sea_coast", "biology"],
        location=place("Sète", "34301", 43.40, 3.69),
        accessibility={"motor": True},
    )
    await new_event(
        title=f"Forum bis {word}",
        kind="forum",
        themes=["sea_coast"],
        location=place("Toulouse", "31555", *TOULOUSE),
    )
    await new_event(
        title=f"Formation {word}",
        kind="training",
        themes=["biology"],
        location=place("Toulouse", "31555", *TOULOUSE),
    )
    await new_event(title=f"Atelier caché {word}", kind="workshop", state="pending")

    response = await anonymous.get(
        f"/v1/events?q={word}&kind=forum&facets=kind,theme,department,accessibility,state"
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert len(page["items"]) == 2
    facets = page["facets"]
    # kind counts ignore the kind filter (so a user can widen it); the pending one is hidden.
    assert facets["kind"] == [{"value": "forum", "count": 2}, {"value": "training", "count": 1}]
    assert facets["theme"] == [
        {"value": "sea_coast", "count": 2},
        {"value": "biology", "count": 1},
    ]
    assert facets["department"] == [{"value": "31", "count": 1}, {"value": "34", "count": 1}]
    assert facets["accessibility"] == [{"value": "motor", "count": 1}]
    assert facets["state"] == [{"value": "published", "count": 2}]

    filtered = (
        await anonymous.get(f"/v1/events?q={word}&theme=biology&department=31&facets=theme,kind")
    ).json()
    assert filtered["facets"]["theme"] == [
        {"value": "biology", "count": 1},
        {"value": "sea_coast", "count": 1},
    ]
    assert filtered["facets"]["kind"] == [{"value": "training", "count": 1}]

    staff = (await admin.get(f"/v1/events?q={word}&facets=state,kind")).json()
    assert staff["facets"]["state"] == [
        {"value": "published", "count": 3},
        {"value": "pending", "count": 1},
    ]
    assert (await anonymous.get(f"/v1/events?q={word}")).json()["facets"] is None


async def test_updated_since_returns_changes_and_tombstones_in_order(
    anonymous: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    announce: Callable[..., Any],
    new_event: NewEvent,
) -> None:
    word = tag()
    since = datetime.now(UTC).isoformat()
    organizer = uuid.uuid4()
    await announce("directory.actor.created", organizer, name="Fermat Science")
    kept, refused, unpublished, deleted, back = [
        await new_event(title=f"{name} {word}", organizer_id=organizer)
        for name in ("Gardé", "Refusé", "Dépublié", "Supprimé", "Revenu")
    ]

    async def change(event: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        current = await admin.get(f"/v1/events/{event['id']}")
        response = await admin.patch(
            f"/v1/events/{event['id']}", json=body, headers={"If-Match": current.headers["ETag"]}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    await change(refused, {"state": "refused"})
    await change(unpublished, {"state": "pending"})
    await change(back, {"state": "draft"})
    await change(back, {"state": "published"})  # back on the calendar: no tombstone
    async with member_of(organizer) as member:
        response = await member.delete(f"/v1/events/{deleted['id']}")
    assert response.status_code == 204, response.text

    mine = {kept["id"], refused["id"], unpublished["id"], deleted["id"], back["id"]}

    async def sync(client: httpx.AsyncClient, limit: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = ""
        while True:
            response = await client.get(
                f"/v1/events?updated_since={quote(since)}&limit={limit}{cursor}"
            )
            assert response.status_code == 200, response.text
            page = response.json()
            items += [item for item in page["items"] if item["id"] in mine]
            if not page["next"]:
                return items
            cursor = f"&after={page['next']}"

    items = await sync(anonymous, limit=2)
    by_id = {item["id"]: item for item in items}
    assert len(items) == len(by_id) == 5  # each once, across pages
    assert by_id[kept["id"]]["title"] == f"Gardé {word}"
    assert by_id[back["id"]]["state"] == "published"
    assert by_id[refused["id"]]["deleted"] is True
    assert by_id[refused["id"]]["reason"] == "refused"
    assert by_id[unpublished["id"]]["reason"] == "unpublished"
    assert by_id[deleted["id"]]["reason"] == "deleted"
    assert "title" not in by_id[deleted["id"]]
    moments = [item["updated_at"] for item in items]
    assert moments == sorted(moments, key=datetime.fromisoformat)
    assert [item["id"] for item in items][-1] == deleted["id"]  # the latest change is last

    # Staff still see refused and unpublished events: they get only the deletion's tombstone.
    staff = {item["id"]: item for item in await sync(admin, limit=50)}
    assert staff[refused["id"]]["state"] == "refused"
    assert staff[unpublished["id"]]["state"] == "pending"
    assert staff[deleted["id"]]["deleted"] is True

    # Nothing changed since the last change seen: nothing comes back.
    latest = quote(datetime.now(UTC).isoformat())
    assert await ids(anonymous, f"updated_since={latest}&q={word}") == []
    # The deleted event is gone from the list and reads.
    assert deleted["id"] not in await ids(anonymous, f"q={word}")
    assert (await anonymous.get(f"/v1/events/{deleted['id']}")).status_code == 404


async def test_delete_is_for_organizers_and_staff_and_is_announced(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
    jetstream: JetStreamContext,
    new_event: NewEvent,
) -> None:
    event = await new_event(title=f"À supprimer {tag()}")
    async with member_of(uuid.uuid4()) as stranger:
        refused = await stranger.delete(f"/v1/events/{event['id']}")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert (await anonymous.delete(f"/v1/events/{event['id']}")).status_code == 401
    stale = await admin.delete(f"/v1/events/{event['id']}", headers={"If-Match": '"999"'})
    assert stale.status_code == 412
    assert (await anonymous.get(f"/v1/events/{event['id']}")).status_code == 200

    sub = await jetstream.subscribe("events.event.deleted", ordered_consumer=True)
    try:
        response = await admin.delete(
            f"/v1/events/{event['id']}", headers={"If-Match": f'"{event["version"]}"'}
        )
        assert response.status_code == 204, response.text
        while True:
            envelope = orjson.loads((await sub.next_msg(timeout=5)).data)
            if envelope["subject"] == event["id"]:
                break
    finally:
        await sub.unsubscribe()
    assert envelope["type"] == "events.event.deleted"
    assert envelope["data"]["id"] == event["id"]
    assert envelope["data"]["version"] == event["version"] + 1
    assert (await admin.delete(f"/v1/events/{event['id']}")).status_code == 404
    assert (await admin.get(f"/v1/events/{event['id']}")).status_code == 404


async def test_bad_search_input_is_a_problem_naming_the_parameter(
    anonymous: httpx.AsyncClient,
) -> None:
    cases = {
        "near=43.6": "query.near",
        "near=43.6,1.44,0": "query.near",
        "near=43.6,1.44,5&radius_km=5": "query.near",
        "near=43.6,1.44&radius_km=0": "radius_km",
        "radius_km=5": "query.radius_km",
        "from=2027-01-01T09:00:00": "query.from",
        "typ=forum": "query.typ",
        "limit=201": "query.limit",
        "near=95,1.44,10": "query.near",
        "near=a,b,c": "query.near",
        "bbox=2,43,1,44": "query.bbox",
        "bbox=1,43,2": "query.bbox",
        "accessibility=motor,flying": "query.accessibility",
        "facets=kind,colour": "query.facets",
        "q=%20%21%3F": "query.q",
        "updated_since=yesterday": "updated_since",
        "age=-1": "age",
    }
    for query, field in cases.items():
        response = await anonymous.get(f"/v1/events?{query}")
        assert response.status_code == 422, (query, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert field in response.text, (query, response.text)


async def test_facets_over_the_whole_calendar_follow_changes(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    """Without filters the counts come from the tags index alone: they must still follow
    publication, changes and deletion."""
    facets = "kind,theme,department,state,accessibility"

    async def counts(client: httpx.AsyncClient) -> dict[tuple[str, str], int]:
        response = await client.get(f"/v1/events?limit=1&facets={facets}")
        assert response.status_code == 200, response.text
        return {
            (facet, item["value"]): item["count"]
            for facet, items in response.json()["facets"].items()
            for item in items
        }

    def delta(after: dict[Any, int], before: dict[Any, int]) -> dict[Any, int]:
        keys = set(after) | set(before)
        changes = {k: after.get(k, 0) - before.get(k, 0) for k in keys}
        return {k: v for k, v in changes.items() if v}

    public, staff = await counts(anonymous), await counts(admin)
    event = await new_event(
        title=f"Exposition {tag()}",
        kind="exhibition",
        themes=["mathematics", "physics"],
        accessibility={"visual": True},
        location=place("Nice", "06088", 43.71, 7.26),
        state="pending",
    )
    assert delta(await counts(anonymous), public) == {}
    assert delta(await counts(admin), staff) == {
        ("kind", "exhibition"): 1,
        ("theme", "mathematics"): 1,
        ("theme", "physics"): 1,
        ("department", "06"): 1,
        ("state", "pending"): 1,
        ("accessibility", "visual"): 1,
    }
    current = await admin.get(f"/v1/events/{event['id']}")
    published = await admin.patch(
        f"/v1/events/{event['id']}",
        json={"state": "published", "kind": "conference"},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert published.status_code == 200, published.text
    assert delta(await counts(anonymous), public) == {
        ("kind", "conference"): 1,
        ("theme", "mathematics"): 1,
        ("theme", "physics"): 1,
        ("department", "06"): 1,
        ("state", "published"): 1,
        ("accessibility", "visual"): 1,
    }
    assert (await admin.delete(f"/v1/events/{event['id']}")).status_code == 204
    assert delta(await counts(anonymous), public) == {}
    assert delta(await counts(admin), staff) == {}


async def test_list_as_jsonld_item_list_with_the_same_filters_and_paging(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, new_event: NewEvent
) -> None:
    word = tag()
    made = [
        await new_event(
            title=f"Atelier {n} {word}",
            timings=[
                {"start": f"2031-10-0{n}T09:00:00+02:00", "end": f"2031-10-0{n}T12:00:00+02:00"}
            ],
        )
        for n in (3, 1, 2)
    ]
    hidden = await new_event(title=f"Atelier caché {word}", state="draft")
    expected = await ids(anonymous, f"q={word}")
    assert hidden["id"] not in expected
    assert len(expected) == 3
    assert set(expected) == {e["id"] for e in made}

    url = f"/v1/events?q={word}&limit=2"
    seen: list[str] = []
    pages = 0
    while url:
        response = await anonymous.get(url, headers={"Accept": "application/ld+json"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/ld+json"
        assert "Accept" in response.headers["vary"]
        document = response.json()
        assert document["@context"] == "https://schema.org"
        assert document["@type"] == "ItemList"
        assert document["numberOfItems"] == len(document["itemListElement"])
        for position, element in enumerate(document["itemListElement"], start=1):
            assert element["@type"] == "ListItem"
            assert element["position"] == position
            assert element["item"]["@type"] == "EducationEvent"  # trainings
            assert element["item"]["name"].endswith(word)
            seen.append(element["item"]["identifier"])
        pages += 1
        link = response.headers.get("link")
        if link is None:
            break
        assert link.endswith('>; rel="next"')
        url = link[1 : link.index(">")]
        assert url.startswith("/v1/events?")
        assert f"q={word}" in url
        assert "limit=2" in url
    assert (pages, seen) == (2, expected)

    plain = await anonymous.get(f"/v1/events?q={word}&limit=2")
    assert plain.headers["content-type"] == "application/json"
    assert "Accept" in plain.headers["vary"]
    assert plain.json()["next"] is not None
    # Staff see the draft in both representations alike.
    staff = await admin.get(f"/v1/events?q={word}", headers={"Accept": "application/ld+json"})
    listed = [e["item"]["identifier"] for e in staff.json()["itemListElement"]]
    assert listed == await ids(admin, f"q={word}")
    assert hidden["id"] in listed
