"""A member's calls (``GET /v1/calls?for_actor=…``) are the policy's, on both backends: the
database selects only the calls an actor could match, and the list, paged end to end, must
be the one of the way it replaced — every call the filters select (the first
``FOR_ACTOR_CALLS`` by deadline) scored by ``score()``, best first, soonest last cut-off
first on ties (then id) — item for item, score and reasons included, for every member of the
labelled fixture, under several filters, and when the calls read are capped."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from contracts.vocabularies import Theme
from eu_watch.actors.repository import known_actor_repository
from eu_watch.calls.filters import CallFilters
from eu_watch.calls.schemas import MatchSummary
from eu_watch.calls.service import call_service
from eu_watch.cordis.service import cordis_service
from eu_watch.matching import service as matching
from eu_watch.matching.policies import Match, score, statuses_for_actor
from eu_watch.matching.service import profile_of
from kit.db import Database

from ..unit.matching_fixture import ACTORS, CALLS
from .conftest import KnownActors
from .test_matching_ranked import call_body, payload

#: Last cut-offs shared by several calls, and none at all: ties on the deadline go by id.
DEADLINES: list[list[str]] = [["2099-04-01"], ["2099-03-01"], ["2099-04-01"], []]


async def every_call_scored(
    database: Database, actor_id: uuid.UUID, filters: CallFilters
) -> list[dict[str, Any]]:
    """The way it replaced: the first ``FOR_ACTOR_CALLS`` calls by deadline, read whole,
    each scored in Python, sorted by score (stable)."""
    async with database.transaction(write=False) as session:
        actor = await known_actor_repository.profile(session, actor_id)
        assert actor is not None
        # The calls a member can still apply to, unless the filters name statuses.
        statuses = statuses_for_actor(filters.statuses)
        calls = await call_service.feed(
            session,
            filters=dataclasses.replace(filters, statuses=statuses),
            sort="deadline",
            limit=matching.FOR_ACTOR_CALLS,
        )
        projects = await cordis_service.projects_of(session, actor_id)
        scored: list[tuple[Match, Any]] = []
        for call in calls:
            match = score(profile_of(call), actor)
            if match is not None:
                found = cordis_service.reason_for(call, projects)
                if found is not None:
                    match.score += found["points"]
                    match.reasons.append(found)
                scored.append((match, call))
        scored.sort(key=lambda pair: -pair[0].score)
        return [
            call_service.to_read(call)
            .model_copy(update={"match": MatchSummary(score=m.score, reasons=m.reasons)})
            .model_dump(mode="json")
            for m, call in scored
        ]


async def paged(client: httpx.AsyncClient, params: dict[str, Any], limit: int) -> list[Any]:
    items: list[Any] = []
    query = {**params, "limit": limit}
    while True:
        response = await client.get("/v1/calls", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items += page["items"]
        if page["next"] is None:
            return items
        query["after"] = page["next"]


async def test_a_members_calls_are_every_call_scored_by_the_policy(
    app: FastAPI,
    admin: httpx.AsyncClient,
    known_actors: KnownActors,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tag = uuid.uuid4().hex[:8]
    funder = f"Funder {tag}"
    ids = await known_actors(
        *(payload(*row) for _, *row in ACTORS),
        # Neither a theme nor a word of any call: no call at all.
        payload("Rien à voir", ["museum"], [], "76", 1, True, "Xylophones quadrilatères."),
    )
    members = [
        actor_id
        for actor_id, (_key, _name, _types, _themes, _region, _circle, member, _text) in zip(
            ids, ACTORS, strict=False
        )
        if member
    ] + [ids[-1]]
    for n, (_, call, _expected) in enumerate(CALLS * 2):  # twice: equal scores, equal deadlines
        body = {**call_body(call), "funder": funder, "deadlines": DEADLINES[n % len(DEADLINES)]}
        created = await admin.post("/v1/calls", json=body)
        assert created.status_code == 201, created.text
    database = app.state.runtime.database
    cases: list[tuple[dict[str, Any], CallFilters]] = [
        ({"funder": funder}, CallFilters(funders=(funder,))),
        ({}, CallFilters()),  # every call of the database, other tests' too
        ({"funder": funder, "q": "ocean"}, CallFilters(funders=(funder,), q="ocean")),
        (
            {"funder": funder, "theme": "biology"},
            CallFilters(funders=(funder,), themes=(Theme.BIOLOGY,)),
        ),
    ]
    compared = nonempty = 0
    for actor_id in members:
        for params, filters in cases:
            expected = await every_call_scored(database, actor_id, filters)
            found = await paged(admin, {**params, "for_actor": str(actor_id)}, limit=7)
            assert found == expected, (actor_id, params)
            compared += 1
            nonempty += bool(expected)
    assert compared == len(members) * len(cases)
    assert nonempty > len(members)  # most members have calls

    # Capped: only the first calls of the list by deadline are ranked, as before.
    monkeypatch.setattr(matching, "FOR_ACTOR_CALLS", 9)
    for actor_id in members[:10]:
        expected = await every_call_scored(database, actor_id, CallFilters(funders=(funder,)))
        found = await paged(admin, {"funder": funder, "for_actor": str(actor_id)}, limit=4)
        assert found == expected, actor_id
