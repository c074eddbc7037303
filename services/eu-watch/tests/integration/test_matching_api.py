"""Themes, matches, a member's calls and partner suggestions through the API, with actors
projected from directory events on a real NATS, on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

from eu_watch.actors.models import KnownActorTerm
from eu_watch.actors.repository import known_actor_repository
from eu_watch.matching.service import MAX_MATCHES_OFFSET
from kit.paging import NUMBER
from kit.testing.polling import wait_until

from .conftest import Announce, KnownActors


def actor(
    name: str, types: list[str], themes: list[str], region: str, **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "types": types,
        "themes": themes,
        "circle": 1,
        "address": {"region": region, "department": "31" if region == "76" else "33"},
        "membership": {"member": True, "since": "2020-01-01", "paid_until": None},
    } | extra


def ocean_call(tag: str, **fields: Any) -> dict[str, Any]:
    return {
        "identifier": f"HORIZON-MISS-{uuid.uuid4().hex[:8]}",
        "title": f"Ocean literacy {tag}",
        "funder": f"Funder {tag}",
        "type_of_action": "HORIZON Coordination and Support Actions",
        "keywords": ["Ocean", "Citizen science"],
        "programme_parts": ["Mission Restore our Ocean and Waters"],
        "deadlines": ["2099-04-01"],
    } | fields


async def test_a_call_gets_themes_with_the_terms_that_put_them_there(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = (await admin.post("/v1/calls", json=ocean_call("themes"))).json()
    read = (await anonymous.get(f"/v1/calls/{created['id']}")).json()
    assert read["themes"] == [
        {"theme": "science_society", "terms": ["Citizen science"]},
        {"theme": "sea_coast", "terms": ["Ocean", "Mission Restore our Ocean and Waters"]},
    ]
    found = await anonymous.get(
        "/v1/calls", params={"theme": "sea_coast", "funder": "Funder themes"}
    )
    assert [c["id"] for c in found.json()["items"]] == [created["id"]]


async def test_staff_adjust_the_mapping_and_calls_follow(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    member_of: Callable[..., httpx.AsyncClient],
) -> None:
    tag = uuid.uuid4().hex[:6]
    created = (
        await admin.post(
            "/v1/calls", json=ocean_call(tag, keywords=[f"Escape game {tag}"], programme_parts=[])
        )
    ).json()
    assert created["themes"] == []
    mapping = {m["theme"]: m for m in (await anonymous.get("/v1/calls/themes")).json()}
    body = {
        k: mapping["critical_thinking"][k] for k in ("keywords", "priorities", "programme_parts")
    }
    body["keywords"] = [*body["keywords"], f"escape game {tag}"]
    async with member_of(uuid.uuid4()) as member:
        assert (
            await member.put("/v1/calls/themes/critical_thinking", json=body)
        ).status_code == 403
    unknown = await admin.put("/v1/calls/themes/astrology", json=body)
    assert unknown.status_code == 404
    changed = await admin.put("/v1/calls/themes/critical_thinking", json=body)
    assert changed.status_code == 200, changed.text
    assert changed.json()["calls"] >= 1
    read = (await anonymous.get(f"/v1/calls/{created['id']}")).json()
    assert read["themes"] == [{"theme": "critical_thinking", "terms": [f"Escape game {tag}"]}]
    assert read["version"] == created["version"] + 1
    # Two staff editing the same theme: the second, holding the version it read, gets a 412
    # instead of replacing the first one's terms unseen (If-Match was ignored: a 200).
    version = changed.json()["version"]
    assert changed.headers["ETag"] == f'"{version}"'
    stale = await admin.put(
        "/v1/calls/themes/critical_thinking",
        json=body | {"keywords": mapping["critical_thinking"]["keywords"]},
        headers={"If-Match": f'"{version - 1}"'},
    )
    assert stale.status_code == 412, stale.text
    assert stale.headers["content-type"] == "application/problem+json"
    kept = {m["theme"]: m for m in (await anonymous.get("/v1/calls/themes")).json()}
    assert kept["critical_thinking"]["keywords"] == body["keywords"]
    current = await admin.put(
        "/v1/calls/themes/critical_thinking", json=body, headers={"If-Match": f'"{version}"'}
    )
    assert current.status_code == 200, current.text


async def test_matches_partners_and_a_members_calls(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    known_actors: KnownActors,
    member_of: Callable[..., httpx.AsyncClient],
) -> None:
    tag = uuid.uuid4().hex[:6]
    aquarium, lab, _association, outsider, not_member = await known_actors(
        actor(
            f"Seaquarium {tag}",
            ["aquarium_zoo"],
            ["sea_coast"],
            "76",
            description="Aquarium : protection des océans.",
        ),
        actor(f"LEGOS {tag}", ["laboratory"], ["sea_coast", "environment"], "75"),
        actor(
            f"CPIE {tag}",
            ["environment_education"],
            ["environment"],
            "76",
            description="Citizen science on the coast.",
        ),
        actor(f"Planétarium {tag}", ["planetarium"], ["astronomy_space"], "76"),
        actor(
            f"Ferme {tag}",
            ["company"],
            ["sea_coast"],
            "76",
            membership={"member": False, "since": None, "paid_until": None},
        ),
    )
    call = (await admin.post("/v1/calls", json=ocean_call(tag))).json()

    async with member_of(aquarium) as member:
        matches = await member.get(f"/v1/calls/{call['id']}/matches", params={"limit": 200})
    assert matches.status_code == 200, matches.text
    ours = [m for m in matches.json()["items"] if m["name"].endswith(tag)]
    # 3 + 1 + 2, then two at 3 points (a term and the type of action; a theme), by name.
    assert [m["name"] for m in ours] == [f"Seaquarium {tag}", f"CPIE {tag}", f"LEGOS {tag}"]
    assert [m["score"] for m in ours] == [6, 3, 3]
    first = ours[0]
    assert first["score"] == sum(r["points"] for r in first["reasons"]) == 3 + 1 + 2
    assert [r["kind"] for r in first["reasons"]] == ["theme", "description", "type_of_action"]
    assert (await anonymous.get(f"/v1/calls/{call['id']}/matches")).status_code == 401
    # An unknown type is a 422 naming it (it was a 200 matching nobody).
    spaceship = await admin.get(f"/v1/calls/{call['id']}/matches", params={"type": "spaceship"})
    assert spaceship.status_code == 422, spaceship.text
    assert spaceship.headers["content-type"] == "application/problem+json"
    (error,) = spaceship.json()["errors"]
    assert error["field"] == "query.type"
    assert "spaceship" in error["message"]
    # Several regions and départements narrow to any of them; the bounds are each code's
    # length (a région's 2 characters, a département's 3), not how many are given (three
    # regions were a 422 "at most 2 items").
    regions = await admin.get(
        f"/v1/calls/{call['id']}/matches",
        params={
            "region": ["76", "75", "84"],
            "department": ["31", "33", "2A", "971"],
            # One page holds them whatever other tests left in the database (a default
            # page of 50 did not, once the whole eu-watch suite had run before on it).
            "limit": 200,
        },
    )
    assert regions.status_code == 200, regions.text
    assert {m["name"] for m in regions.json()["items"] if m["name"].endswith(tag)} == {
        m["name"] for m in ours
    }
    too_long = await admin.get(f"/v1/calls/{call['id']}/matches", params={"region": "7600"})
    assert too_long.status_code == 422
    assert too_long.headers["content-type"] == "application/problem+json"
    # Page after page, following `next`, gives the one long page (it had no `next`).
    whole = matches.json()["items"]
    assert len(whole) >= 3
    assert matches.json()["next"] is None
    paged: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 2}
    while True:
        page = (await admin.get(f"/v1/calls/{call['id']}/matches", params=params)).json()
        assert len(page["items"]) <= 2
        paged += page["items"]
        if page["next"] is None:
            break
        params["after"] = page["next"]
    assert paged == whole
    bad_cursor = await admin.get(f"/v1/calls/{call['id']}/matches", params={"after": "nope"})
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["errors"][0]["field"] == "query.after"
    # A cursor deeper than the ranking may be paged (each page scores every rank before it).
    deep = NUMBER.encode(MAX_MATCHES_OFFSET + 1)
    too_deep = await admin.get(f"/v1/calls/{call['id']}/matches", params={"after": deep})
    assert too_deep.status_code == 422
    assert too_deep.json()["errors"][0]["field"] == "query.after"

    # A member's calls, best first, with the same reasons; another actor's are refused.
    async with member_of(aquarium) as member:
        mine = await member.get(
            "/v1/calls", params={"for_actor": str(aquarium), "funder": f"Funder {tag}"}
        )
        assert mine.status_code == 200, mine.text
        (item,) = mine.json()["items"]
        assert item["id"] == call["id"]
        assert item["match"]["score"] == first["score"]
        # A call it can no longer apply to is left out, unless asked for by its status.
        past = await admin.post("/v1/calls", json=ocean_call(tag, deadlines=["2021-04-01"]))
        assert past.status_code == 201, past.text
        again = await member.get(
            "/v1/calls", params={"for_actor": str(aquarium), "funder": f"Funder {tag}"}
        )
        assert [c["id"] for c in again.json()["items"]] == [call["id"]]
        closed = await member.get(
            "/v1/calls",
            params={"for_actor": str(aquarium), "funder": f"Funder {tag}", "status": "closed"},
        )
        assert [c["id"] for c in closed.json()["items"]] == [past.json()["id"]]
        other = await member.get("/v1/calls", params={"for_actor": str(lab)})
        assert other.status_code == 403
        assert other.headers["content-type"] == "application/problem+json"
    staff = await admin.get(
        "/v1/calls", params={"for_actor": str(outsider), "funder": f"Funder {tag}"}
    )
    assert staff.json()["items"] == []
    not_a_member = await admin.get("/v1/calls", params={"for_actor": str(not_member)})
    assert not_a_member.status_code == 422
    assert not_a_member.json()["errors"][0]["field"] == "query.for_actor"

    # Partners around the aquarium: research (the lab, another region) and an association.
    async with member_of(aquarium) as member:
        partners = await member.get(
            f"/v1/calls/{call['id']}/partners", params={"lead": str(aquarium)}
        )
        assert partners.status_code == 200, partners.text
        refused = await member.get(f"/v1/calls/{call['id']}/partners", params={"lead": str(lab)})
        assert refused.status_code == 403
    body = partners.json()
    assert body["lead"]["actor_id"] == str(aquarium)
    assert body["missing_roles"] == ["research", "local_authority_or_association"]
    first_suggestion = body["suggestions"][0]
    roles = {m["role"]: m for m in first_suggestion["members"]}
    assert set(roles) == {"research", "local_authority_or_association"}
    assert roles["research"]["actor_id"] != str(aquarium)
    assert all(m["why"] for m in first_suggestion["members"])
    bad_lead = await admin.get(f"/v1/calls/{call['id']}/partners", params={"lead": str(not_member)})
    assert bad_lead.status_code == 422
    assert bad_lead.json()["errors"][0]["field"] == "query.lead"


async def test_a_stale_actor_event_never_overwrites_a_newer_one(
    app: FastAPI, announce: Announce, known_actors: KnownActors
) -> None:
    (actor_id,) = await known_actors(actor("Muséum", ["museum"], ["biology"], "76"))
    await announce(
        "directory.actor.updated",
        actor_id,
        **actor("Muséum v3", ["museum"], ["heritage"], "76"),
        version=3,
    )
    await announce(
        "directory.actor.updated",
        actor_id,
        **actor("Muséum v2", ["museum"], ["biology"], "76"),
        version=2,
    )

    async def newest() -> str | None:
        async with app.state.runtime.database.transaction(write=False) as session:
            known = await known_actor_repository.get(session, actor_id)
            return known.name if known is not None and known.version == 3 else None

    assert await wait_until(newest, what="version 3 is projected") == "Muséum v3"
    # Version 2, sent after, is stale: still v3 a moment later.
    await announce("directory.actor.deleted", uuid.uuid4())
    async with app.state.runtime.database.transaction(write=False) as session:
        known = await known_actor_repository.get(session, actor_id)
    assert known is not None
    assert (known.name, known.themes) == ("Muséum v3", " heritage ")
    # The terms matching looks up follow the newest version too, and only it.
    async with app.state.runtime.database.transaction(write=False) as session:
        terms = await session.scalars(
            sa.select(KnownActorTerm.term).where(KnownActorTerm.actor_id == actor_id)
        )
        assert set(terms) == {"theme:heritage", "museum", "v3"}
