"""Searching the directory: full text, filters, facets, map queries, sorts, sync, history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

PROBLEM = "application/problem+json"


def token() -> str:
    """A word no other test uses, to isolate this test's actors in a shared database."""
    return "zq" + uuid.uuid4().hex[:8]


async def add(admin: httpx.AsyncClient, name: str, tag: str, **fields: Any) -> dict[str, Any]:
    body = {"kind": "organisation", "name": name, "description": f"Réseau {tag}", **fields}
    response = await admin.post("/v1/actors", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["items"]]


async def test_full_text_ignores_accents_and_case_and_ranks_names_first(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    tag = token()
    await add(admin, "Muséum d'histoire naturelle", tag)
    await add(admin, "ÉchoSciences Occitanie", tag)
    await add(admin, "Bibliothèque de Rodez", tag, description=f"Réseau {tag}, ancien muséum")
    museums = (await anonymous.get(f"/v1/actors?q=musee {tag}")).json()
    assert names(museums) == ["Muséum d'histoire naturelle", "Bibliothèque de Rodez"]
    echo = (await anonymous.get(f"/v1/actors?q=echosciences {tag}")).json()
    assert names(echo) == ["ÉchoSciences Occitanie"]
    assert (await anonymous.get(f"/v1/actors?q=MUSÉUM {tag}")).json()["items"]
    nothing = await anonymous.get("/v1/actors?q=%20%27%20")
    assert nothing.status_code == 422
    assert nothing.json()["errors"][0]["field"] == "query.q"


async def test_filters_combine_and_facets_count_under_other_filters(
    admin: httpx.AsyncClient,
) -> None:
    tag = token()
    toulouse = {"commune_insee": "31555", "city": "Toulouse"}
    await add(admin, "Quai des Savoirs", tag, types=["science_centre"], circle=1, address=toulouse)
    await add(
        admin,
        "Muséum de Toulouse",
        tag,
        types=["museum", "natural_history_museum"],
        circle=1,
        address=toulouse,
    )
    await add(
        admin,
        "Médiathèque de Montpellier",
        tag,
        types=["library"],
        circle=3,
        address={"commune_insee": "34172"},
    )
    await add(
        admin,
        "Fab lab de Lille",
        tag,
        types=["fablab"],
        circle=2,
        address={"commune_insee": "59350"},
    )

    page = (
        await admin.get(
            f"/v1/actors?q={tag}&sort=name&region=76&type=museum,library&facets=type,circle,region,department"
        )
    ).json()
    assert names(page) == ["Médiathèque de Montpellier", "Muséum de Toulouse"]
    facets = page["facets"]
    # The type facet ignores the type filter, so every type in Occitanie is counted.
    assert {f["value"]: f["count"] for f in facets["type"]} == {
        "science_centre": 1,
        "museum": 1,
        "natural_history_museum": 1,
        "library": 1,
    }
    assert {f["value"]: f["count"] for f in facets["circle"]} == {1: 1, 3: 1}
    # The region facet ignores the region filter: Lille's fab lab is not a museum or library.
    assert {f["value"]: f["count"] for f in facets["region"]} == {"76": 2}
    assert {f["value"]: f["count"] for f in facets["department"]} == {"31": 1, "34": 1}
    circle_one = (await admin.get(f"/v1/actors?q={tag}&sort=name&circle=1&department=31")).json()
    assert names(circle_one) == ["Muséum de Toulouse", "Quai des Savoirs"]


async def test_membership_filter_is_for_staff_only(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    tag = token()
    await add(admin, "Adhérent", tag, membership={"member": True})
    await add(admin, "Non adhérent", tag)
    members = (await admin.get(f"/v1/actors?q={tag}&member=true&facets=member")).json()
    assert names(members) == ["Adhérent"]
    assert {f["value"]: f["count"] for f in members["facets"]["member"]} == {True: 1, False: 1}
    refused = await anonymous.get(f"/v1/actors?q={tag}&member=true")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    assert (await anonymous.get(f"/v1/actors?q={tag}&facets=member")).status_code == 403


async def test_near_and_bbox_find_actors_on_a_map_sorted_by_distance(
    admin: httpx.AsyncClient,
) -> None:
    tag = token()
    await add(admin, "Capitole", tag, address={"lat": 43.6045, "lon": 1.4440})
    await add(admin, "Blagnac", tag, address={"lat": 43.6370, "lon": 1.3900})  # ~5.5 km
    await add(admin, "Montauban", tag, address={"lat": 44.0176, "lon": 1.3550})  # ~46 km
    near = (
        await admin.get(f"/v1/actors?q={tag}&near=43.6045,1.4440&radius_km=20&sort=distance")
    ).json()
    assert names(near) == ["Capitole", "Blagnac"]
    distances = list(near["distances_km"].values())
    assert distances[0] < 0.01
    assert 5.0 < distances[1] < 6.0
    wide = (
        await admin.get(f"/v1/actors?q={tag}&near=43.6045,1.4440&radius_km=50&sort=distance")
    ).json()
    assert names(wide) == ["Capitole", "Blagnac", "Montauban"]
    box = (await admin.get(f"/v1/actors?q={tag}&bbox=1.30,43.90,1.40,44.10")).json()
    assert names(box) == ["Montauban"]
    bad = await admin.get("/v1/actors?near=91,2")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.near"


async def test_sorted_pages_walk_every_result_once(admin: httpx.AsyncClient) -> None:
    tag = token()
    for index in range(7):
        await add(admin, f"Acteur {index}", tag, address={"lat": 45.0 + index / 100, "lon": 3.0})
    for sort in ("name", "updated", "relevance", "distance"):
        seen: list[str] = []
        url = f"/v1/actors?q={tag}&near=45.0,3.0&radius_km=50&sort={sort}&limit=3"
        after = ""
        while True:
            page = (await admin.get(url + after)).json()
            seen.extend(names(page))
            if not page["next"]:
                break
            after = f"&after={page['next']}"
        assert sorted(seen) == [f"Acteur {i}" for i in range(7)], sort
    by_distance = names((await admin.get(f"/v1/actors?q={tag}&near=45.0,3.0&sort=distance")).json())
    assert by_distance == [f"Acteur {i}" for i in range(7)]


async def test_updated_since_returns_changes_in_order_with_tombstones(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    since = datetime.now(UTC).isoformat()
    tag = token()
    first = await add(admin, "Premier", tag)
    second = await add(admin, "Second", tag)
    await admin.patch(f"/v1/actors/{first['id']}", json={"acronym": "P1"})
    await admin.delete(f"/v1/actors/{second['id']}")
    changes = (
        await anonymous.get("/v1/actors", params={"updated_since": since, "limit": 200})
    ).json()["items"]
    mine = [c for c in changes if c["id"] in (first["id"], second["id"])]
    assert [(c["id"], c.get("deleted", False)) for c in mine] == [
        (first["id"], False),
        (second["id"], True),
    ]
    assert mine[0]["acronym"] == "P1"
    stamps = [c["updated_at"] for c in changes]
    assert stamps == sorted(stamps)


async def test_history_records_who_changed_what(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    actor = await add(admin, "Kimiyo", token())
    await admin.patch(f"/v1/actors/{actor['id']}", json={"name": "Kimiyo Chimie", "circle": 2})
    history = (await admin.get(f"/v1/actors/{actor['id']}/history")).json()["items"]
    assert [h["action"] for h in history] == ["created", "updated"]
    assert history[1]["changes"]["name"] == ["Kimiyo", "Kimiyo Chimie"]
    assert history[1]["changes"]["circle"] == [None, 2]
    assert history[1]["changed_by"] == "test-admin"
    assert (await anonymous.get(f"/v1/actors/{actor['id']}/history")).status_code == 401
    unknown = await admin.get(f"/v1/actors/{uuid.uuid4()}/history")
    assert unknown.status_code == 404
    # A cursor the history did not give is refused, as on every list (it used to restart).
    forged = await admin.get(f"/v1/actors/{actor['id']}/history", params={"after": "WyJ4Il0"})
    assert forged.status_code == 422
    assert forged.json()["errors"][0]["field"] == "query.after"


async def test_unknown_filter_values_are_422_naming_the_parameter(admin: httpx.AsyncClient) -> None:
    for query, field in (
        ("type=spaceship", "query.type"),
        ("circle=7", "query.circle"),
        ("department=20", "query.department"),
        ("facets=colour", "query.facets"),
        ("bbox=1,2,3", "query.bbox"),
        ("sort=random", "query.sort"),
    ):
        response = await admin.get(f"/v1/actors?{query}")
        assert response.status_code == 422, query
        assert response.json()["errors"][0]["field"] == field, query


async def test_vocabularies_have_french_and_english_labels(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.get("/v1/vocabularies")
    assert response.status_code == 200
    vocabularies = response.json()
    museum = next(t for t in vocabularies["actor_type"] if t["code"] == "museum")
    assert museum["label"] == {"fr": "Musée", "en": "Museum"}
    assert [t["code"] for t in vocabularies["circle"]] == ["1", "2", "3"]


async def test_stats_count_members_by_circle_and_type_and_year(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    tag = token()
    await add(
        admin,
        "A",
        tag,
        circle=1,
        types=["museum"],
        membership={"member": True, "since": "2019-03-01"},
    )
    await add(
        admin,
        "B",
        tag,
        circle=1,
        types=["museum", "library"],
        membership={"member": True, "since": "2021-01-10"},
    )
    await add(
        admin,
        "C",
        tag,
        circle=2,
        types=["library"],
        membership={"member": True, "since": "2021-06-01"},
    )
    await add(admin, "D", tag, circle=3, types=["library"])
    stats = (await admin.get(f"/v1/actors/stats?q={tag}&group_by=circle,type")).json()
    assert (stats["total"], stats["members"], stats["non_members"]) == (4, 3, 1)
    assert stats["groups"] == [
        {"circle": 1, "type": "library", "count": 1, "members": 1},
        {"circle": 1, "type": "museum", "count": 2, "members": 2},
        {"circle": 2, "type": "library", "count": 1, "members": 1},
        {"circle": 3, "type": "library", "count": 1, "members": 0},
    ]
    assert stats["membership_by_year"] == [
        {"year": 2019, "joined": 1, "members": 1},
        {"year": 2021, "joined": 2, "members": 3},
    ]
    assert (await anonymous.get("/v1/actors/stats")).status_code == 401
    bad = await admin.get("/v1/actors/stats?group_by=colour")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.group_by"
