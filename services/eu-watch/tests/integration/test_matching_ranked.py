"""The database ranks a call's matches as the policy does: for the labelled fixture's actors
and calls (projected from directory events, on both backends), the members
``GET /v1/calls/{id}/matches`` gives, their order, scores and reasons are those of
``rank()`` over every member read back from the projection, whatever the filters, and a
``limit`` that falls inside a tie keeps the same ones (ties go by lowered name, accents and
capitals included, then id)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from eu_watch.actors.repository import ActorFilters, known_actor_repository
from eu_watch.calls.service import call_service
from eu_watch.matching.policies import rank
from eu_watch.matching.service import matching_service, profile_of, to_match

from ..unit.matching_fixture import ACTORS, CALLS
from .conftest import KnownActors

#: Members that tie with each other on most calls, named to test the tie-break: Python
#: lowers and compares code points (``Zèbre`` after ``zebre``, ``Ébène`` after both).
TIED_NAMES = ["zèbre", "Zèbre", "Zebre", "zebre", "Ébène", "ebene", "Même nom", "Même nom"]
FILTERS = [
    ActorFilters(),
    ActorFilters(circles=(1, 2, 3), members_only=True),
    ActorFilters(types=("museum", "association")),
    ActorFilters(regions=("76",)),
]


def payload(
    name: str,
    types: list[str],
    themes: list[str],
    region: str,
    circle: int,
    member: bool,
    description: str,
) -> dict[str, Any]:
    return {
        "name": name,
        "types": types,
        "themes": themes,
        "circle": circle,
        "description": description,
        "address": {"region": region},
        "membership": {"member": member, "since": None, "paid_until": None},
    }


def call_body(call: dict[str, Any]) -> dict[str, Any]:
    return {
        "identifier": f"HORIZON-RANKED-{uuid.uuid4().hex[:10]}",
        "title": call["title"],
        "type_of_action": call.get("type_of_action"),
        "keywords": call.get("keywords", []),
        "cross_cutting_priorities": call.get("priorities", []),
        "programme_parts": call.get("programme_parts", []),
        "regions": call.get("regions", []),
        "deadlines": ["2099-04-01"],
    }


async def test_the_database_ranks_the_matches_as_the_policy_does(
    app: FastAPI, admin: httpx.AsyncClient, known_actors: KnownActors
) -> None:
    await known_actors(
        *(payload(*row) for _, *row in ACTORS),
        *(
            payload(
                name,
                ["museum"],
                ["sea_coast", "science_society", "biology", "environment", "astronomy_space"],
                "76",
                1,
                True,
                "Océans, biodiversité, sciences participatives et espace.",
            )
            for name in TIED_NAMES
        ),
    )
    database = app.state.runtime.database
    answers = []
    for _key, call, _expected in CALLS:  # through the API first, while the keys are fresh
        created = await admin.post("/v1/calls", json=call_body(call))
        assert created.status_code == 201, created.text
        call_id = uuid.UUID(created.json()["id"])
        api = await admin.get(f"/v1/calls/{call_id}/matches", params={"limit": 200})
        assert api.status_code == 200, api.text
        answers.append((call, call_id, api.json()["items"]))
    compared = 0
    for call, call_id, items in answers:
        async with database.transaction(write=False) as session:
            profile = profile_of(await call_service.get(session, call_id=call_id))
            everyone = await known_actor_repository.profiles(session, ActorFilters())
            assert items == [
                to_match(m).model_dump(mode="json") for m in rank(profile, everyone)[:200]
            ]
            for filters in FILTERS:
                everyone = await known_actor_repository.profiles(session, filters)
                expected = [to_match(m) for m in rank(profile, everyone)]
                # Every other cut, so that some fall inside each run of equal scores.
                for limit in [*range(1, len(expected) + 1, 2), len(expected) + 1]:
                    found = await matching_service.matches(
                        session, call_id=call_id, actors=filters, limit=limit
                    )
                    assert found.items == expected[:limit], (call["title"], filters, limit)
                    compared += 1
    assert compared > len(CALLS) * len(FILTERS)
