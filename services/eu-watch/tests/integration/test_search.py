"""Searching calls: full text in English and French, filters, facets, sorts, paging and
incremental sync, on both backends."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

PROBLEM = "application/problem+json"


def call(funder: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "identifier": f"T-{uuid.uuid4().hex[:10]}",
        "title": "A call",
        "funder": funder,
        "opening_date": "2026-01-05",
        "deadlines": ["2099-03-01"],
    }
    return body | fields


async def add(admin: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await admin.post("/v1/calls", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def titles(client: httpx.AsyncClient, funder: str, **params: Any) -> list[str]:
    response = await client.get("/v1/calls", params={"funder": funder, **params})
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_full_text_in_english_and_french(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    funder = f"Funder {uuid.uuid4().hex[:8]}"
    await add(
        admin,
        call(
            funder,
            title="Citizen science in natural history museums",
            keywords=["Science communication"],
            description="Museums and researchers engage citizens.",
        ),
    )
    await add(admin, call(funder, title="Sciences participatives en Occitanie"))
    await add(admin, call(funder, title="Quantum computing infrastructures"))
    assert await titles(anonymous, funder, q="museums") == [
        "Citizen science in natural history museums"
    ]
    # French words find the English call by their stems: musées → muse*, citoyens → citoyen*.
    assert await titles(anonymous, funder, q="musée") == [
        "Citizen science in natural history museums"
    ]
    assert await titles(anonymous, funder, q="participatives") == [
        "Sciences participatives en Occitanie"
    ]
    assert sorted(await titles(anonymous, funder, q="science")) == [
        "Citizen science in natural history museums",
        "Sciences participatives en Occitanie",
    ]
    assert await titles(anonymous, funder, q="communication citizens") == [
        "Citizen science in natural history museums"
    ]
    assert await titles(anonymous, funder, q="quantum", sort="relevance") == [
        "Quantum computing infrastructures"
    ]
    no_words = await anonymous.get("/v1/calls", params={"sort": "relevance"})
    assert no_words.status_code == 422
    assert no_words.headers["content-type"] == PROBLEM
    assert no_words.json()["errors"][0]["field"] == "query.sort"


async def test_french_words_find_the_english_calls_through_the_glossary(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    funder = f"Funder {uuid.uuid4().hex[:8]}"
    for title in (
        "Ocean literacy: the seas and their coasts",
        "Cultural heritage in European cities",
        "Health of citizens and their communities",
        "Search engines for seasonal forecasts",
    ):
        await add(admin, call(funder, title=title))
    # Words the languages do not share: patrimoine is heritage, santé health, mer the sea.
    assert await titles(anonymous, funder, q="patrimoine") == [
        "Cultural heritage in European cities"
    ]
    assert await titles(anonymous, funder, q="santé") == [
        "Health of citizens and their communities"
    ]
    # Whole stems, never prefixes: "sea" must not find search nor seasonal.
    assert await titles(anonymous, funder, q="mer") == ["Ocean literacy: the seas and their coasts"]
    # Every form of the French word, and with the other words of the query.
    assert await titles(anonymous, funder, q="citoyennes santé") == [
        "Health of citizens and their communities"
    ]
    assert sorted(await titles(anonymous, funder, q="villes", sort="relevance")) == [
        "Cultural heritage in European cities"
    ]


async def test_filters_each_select_what_they_say(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    funder = f"Funder {uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    await add(
        admin,
        call(
            funder,
            title="open CSA",
            programme="Horizon Europe (HORIZON)",
            type_of_action="HORIZON Coordination and Support Actions",
            budget={"total_eur": 3_000_000},
            deadlines=["2099-03-01", "2099-09-15"],
        ),
    )
    await add(
        admin,
        call(
            funder,
            title="forthcoming RIA",
            programme="Horizon Europe (HORIZON)",
            type_of_action="HORIZON Research and Innovation Actions",
            opening_date="2098-01-01",
            deadlines=["2099-06-01"],
            budget={"total_eur": 10_000_000},
        ),
    )
    await add(
        admin,
        call(
            funder,
            title="closed Erasmus",
            programme="Erasmus+ (ERASMUS+)",
            opening_date="2019-01-01",
            deadlines=[(now - timedelta(days=3)).date().isoformat()],
        ),
    )
    assert await titles(anonymous, funder, status="open") == ["open CSA"]
    assert sorted(await titles(anonymous, funder, status="open,forthcoming")) == [
        "forthcoming RIA",
        "open CSA",
    ]
    assert await titles(anonymous, funder, open_now="true") == ["open CSA"]
    assert await titles(anonymous, funder, status="closed") == ["closed Erasmus"]
    assert await titles(anonymous, funder, programme="ERASMUS+") == ["closed Erasmus"]
    assert sorted(await titles(anonymous, funder, programme="Horizon Europe (HORIZON)")) == [
        "forthcoming RIA",
        "open CSA",
    ]
    assert await titles(anonymous, funder, type_of_action="coordination") == ["open CSA"]
    assert await titles(anonymous, funder, min_budget=5_000_000) == ["forthcoming RIA"]
    # Any cut-off in the window counts, the first stage's too.
    assert await titles(
        anonymous, funder, deadline_from="2099-02-01", deadline_to="2099-03-31"
    ) == ["open CSA"]
    assert await titles(anonymous, funder, deadline_from="2099-05-01") == [
        "forthcoming RIA",
        "open CSA",
    ]
    # Sorted by last deadline by default; by update, newest first.
    assert await titles(anonymous, funder, sort="updated") == [
        "closed Erasmus",
        "forthcoming RIA",
        "open CSA",
    ]
    bad = await anonymous.get("/v1/calls", params={"status": "ongoing"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.status"
    backwards = await anonymous.get(
        "/v1/calls", params={"deadline_from": "2099-02-01", "deadline_to": "2099-01-01"}
    )
    assert backwards.json()["errors"][0]["field"] == "query.deadline_to"
    # Days whose midnight in Brussels is outside what a datetime holds were an OverflowError
    # (a 500) in the search, the calendar and the RSS feed alike.
    for path in ("/v1/calls", "/v1/calls.ics", "/v1/calls.rss"):
        for field, day in (("deadline_from", "0001-01-01"), ("deadline_to", "9999-12-31")):
            edge = await anonymous.get(path, params={field: day})
            assert edge.status_code == 422, (path, field)
            assert edge.headers["content-type"] == "application/problem+json"
            assert edge.json()["errors"][0]["field"] == f"query.{field}"


async def test_facets_count_under_the_other_filters(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    funder = f"Funder {uuid.uuid4().hex[:8]}"
    for programme, deadline in [
        ("LIFE", "2099-01-01"),
        ("LIFE", "2020-01-01"),
        ("CREA", "2099-01-01"),
    ]:
        await add(
            admin,
            call(funder, programme=programme, opening_date="2019-01-01", deadlines=[deadline]),
        )
    response = await anonymous.get(
        "/v1/calls",
        params={"funder": funder, "status": "open", "facets": "programme,status,funder"},
    )
    facets = response.json()["facets"]
    assert facets["programme"] == [{"value": "CREA", "count": 1}, {"value": "LIFE", "count": 1}]
    # The status facet leaves the status filter out, so a user can widen it.
    assert facets["status"] == [{"value": "open", "count": 2}, {"value": "closed", "count": 1}]
    # The funder facet leaves the funder filter out: every funder's open calls are counted.
    assert {"value": funder, "count": 2} in facets["funder"]
    unknown = await anonymous.get("/v1/calls", params={"facets": "colour"})
    assert unknown.status_code == 422


FACET_FILTERS = {
    "status": "status",
    "programme": "programme",
    "type_of_action": "type_of_action",
    "theme": "theme",
    "funder": "funder",
}


def _facet_values(item: dict[str, Any], facet: str) -> list[str]:
    if facet == "theme":
        return [t["theme"] for t in item["themes"]]
    value = item[facet]
    return [value] if value is not None else []


async def test_facets_equal_counting_the_lists_the_other_filters_give(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    """Every facet, under various filters, counts what the list gives with the facet's own
    filter left out (the counts of one pass over the calls, checked against the lists)."""
    word = f"facetword{uuid.uuid4().hex[:8]}"
    funders = [f"Funder A {word}", f"Funder B {word}"]
    programmes = ["Horizon Europe (HORIZON)", "LIFE", "CREA"]
    actions = [
        "HORIZON Coordination and Support Actions",
        "HORIZON Research and Innovation Actions",
    ]
    keywords = [["Ocean"], ["Citizen science", "Health"], ["Ocean", "Health"], []]
    dates = [  # open, closed, forthcoming
        {"opening_date": "2019-01-01", "deadlines": ["2099-01-01"]},
        {"opening_date": "2019-01-01", "deadlines": ["2020-01-01"]},
        {"opening_date": "2098-01-01", "deadlines": ["2099-01-01"]},
    ]
    for n in range(14):
        await add(
            admin,
            call(
                funders[n % 2],
                title=f"Call {n} {word}",
                programme=programmes[n % 3],
                type_of_action=actions[n % 2] if n % 5 else None,
                keywords=keywords[n % 4],
                **dates[n % 3],
            ),
        )
    cases: list[dict[str, Any]] = [
        {},
        {"status": "open"},
        {"status": "open", "programme": "HORIZON"},
        {"theme": "sea_coast", "funder": funders[0]},
        {"type_of_action": "coordination", "status": ["open", "closed"], "theme": "health"},
        {"programme": ["LIFE", "CREA"], "funder": funders[1], "theme": "science_society"},
    ]
    for filters in cases:
        response = await anonymous.get(
            "/v1/calls", params={"q": word, **filters, "facets": ",".join(FACET_FILTERS)}
        )
        assert response.status_code == 200, response.text
        facets = response.json()["facets"]
        for facet, parameter in FACET_FILTERS.items():
            others = {k: v for k, v in filters.items() if k != parameter}
            listed = await anonymous.get("/v1/calls", params={"q": word, **others, "limit": 200})
            counts: dict[str, int] = {}
            for item in listed.json()["items"]:
                for value in _facet_values(item, facet):
                    counts[value] = counts.get(value, 0) + 1
            expected = [
                {"value": v, "count": n}
                for v, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
            ]
            assert facets[facet] == expected, (filters, facet)


async def test_cursor_paging_walks_every_call_once(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    funder = f"Funder {uuid.uuid4().hex[:8]}"
    for n in range(7):
        await add(admin, call(funder, title=f"Call {n}", deadlines=[f"2099-0{1 + n % 3}-01"]))
    for sort in ("deadline", "updated"):
        seen: list[str] = []
        after: str | None = None
        while True:
            params: dict[str, str | int] = {"funder": funder, "limit": 3, "sort": sort}
            if after:
                params["after"] = after
            page = (await anonymous.get("/v1/calls", params=params)).json()
            seen += [item["title"] for item in page["items"]]
            after = page["next"]
            if after is None:
                break
        assert sorted(seen) == [f"Call {n}" for n in range(7)], sort


async def test_updated_since_gives_changes_and_tombstones(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    funder = f"Funder {uuid.uuid4().hex[:8]}"
    kept = await add(admin, call(funder, title="kept"))
    since = datetime.now(UTC).isoformat()
    removed = await add(admin, call(funder, title="removed"))
    later = await add(admin, call(funder, title="later"))
    assert (await admin.delete(f"/v1/calls/{removed['id']}")).status_code == 204
    assert (await anonymous.get(f"/v1/calls/{removed['id']}")).status_code == 404
    assert (await anonymous.delete(f"/v1/calls/{later['id']}")).status_code == 401
    page = (
        await anonymous.get("/v1/calls", params={"funder": funder, "updated_since": since})
    ).json()
    items = page["items"]
    assert [i["id"] for i in items] == [later["id"], removed["id"]]
    assert items[1]["deleted"] is True
    assert items[1]["identifier"] == removed["identifier"]
    assert kept["id"] not in [i["id"] for i in items]
    # The one time convention of every service's filters (kit.moments): a date alone is the
    # start of that day in Paris; a moment UTC cannot hold is a 422, not an OverflowError.
    today = datetime.now(UTC).date().isoformat()
    by_day = await anonymous.get("/v1/calls", params={"funder": funder, "updated_since": today})
    assert by_day.status_code == 200, by_day.text
    assert {i["id"] for i in by_day.json()["items"]} >= {later["id"], removed["id"]}
    for beyond in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+01:00"):
        refused = await anonymous.get("/v1/calls", params={"updated_since": beyond})
        assert refused.status_code == 422, beyond
        assert refused.json()["errors"][0]["field"] == "query.updated_since"


async def test_a_funder_or_programme_whose_name_holds_a_comma_is_found_by_its_facet_value(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    """Funders are typed by staff, and French ministries' names hold commas: the facet gave
    the name whole, and the same name as a filter was cut at its commas and found nothing."""
    tag = uuid.uuid4().hex[:6]
    funder = f"Ministère de l'Enseignement supérieur, de la Recherche et de l'Espace {tag}"
    programme = f"Culture scientifique, technique et industrielle {tag}"
    await add(admin, call(funder, title="Comma funder", programme=programme))
    other = f"Région {tag}"
    await add(admin, call(other, title="Plain funder"))
    facets = (
        await anonymous.get("/v1/calls", params={"funder": funder, "facets": "funder,programme"})
    ).json()["facets"]
    assert {"value": funder, "count": 1} in facets["funder"]
    assert {"value": programme, "count": 1} in facets["programme"]
    assert await titles(anonymous, funder) == ["Comma funder"]
    found = await anonymous.get("/v1/calls", params={"programme": programme, "q": "comma"})
    assert [c["title"] for c in found.json()["items"]] == ["Comma funder"]
    # Several funders: repeated (or comma-separated, for names without commas).
    both = await anonymous.get("/v1/calls", params=[("funder", funder), ("funder", other)])
    assert sorted(c["title"] for c in both.json()["items"]) == ["Comma funder", "Plain funder"]
    plain = await anonymous.get("/v1/calls", params={"funder": f"{other},Nobody {tag}"})
    assert [c["title"] for c in plain.json()["items"]] == ["Plain funder"]
