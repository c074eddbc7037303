"""The search's fast paths give what the plain queries give, on both backends.

A page in deadline order walks the deadline index and checks the text matches row by row,
and the facets are counted over groups of calls: here each is set beside the plain way of
asking the same thing (every call the filters select, read over ``calls`` and sorted here;
each facet counted by a query of its own, the themes from ``call_themes``), under several
queries and filters."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import sqlalchemy as sa

from contracts.vocabularies import CallStatus, Theme
from eu_watch.calls.filters import FACETS, CallFilters
from eu_watch.calls.models import Call, CallSearch, CallTheme
from eu_watch.calls.repository import NO_DEADLINE, call_repository, status_case
from kit.models import utcnow
from kit.service import Runtime

WORDS = ["ocean", "citizen science", "climate", "heritage museum", "quantum"]


async def plain(
    runtime: Runtime, filters: CallFilters
) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
    """The ids in deadline order, and every facet counted on its own."""
    now = utcnow()
    today = now.date()
    async with runtime.database.transaction(write=False) as session:
        calls = (
            await session.scalars(
                sa.select(Call).where(*call_repository.conditions(session, filters, now=now))
            )
        ).all()
        order = [
            str(c.id) for c in sorted(calls, key=lambda c: (c.final_deadline or NO_DEADLINE, c.id))
        ]
        facets: dict[str, list[dict[str, Any]]] = {}
        for facet in FACETS:
            others = call_repository.indexed(session, filters.without(facet), now=now)
            if facet == "theme":
                query = (
                    sa.select(CallTheme.theme, sa.func.count())
                    .join(CallSearch, CallSearch.call_id == CallTheme.call_id)
                    .where(*others)
                    .group_by(CallTheme.theme)
                )
            else:
                value = (
                    status_case(now=now, today=today)
                    if facet == "status"
                    else getattr(CallSearch, facet)
                )
                query = sa.select(value, sa.func.count()).where(*others, value.is_not(None))
                query = query.group_by(value)
            counted = [(str(v), int(n)) for v, n in await session.execute(query)]
            facets[facet] = [
                {"value": v, "count": n} for v, n in sorted(counted, key=lambda i: (-i[1], i[0]))
            ]
    return order, facets


async def test_pages_and_facets_equal_the_plain_queries(
    anonymous: httpx.AsyncClient, admin: httpx.AsyncClient, runtime: Runtime
) -> None:
    tag = f"pathtag{uuid.uuid4().hex[:8]}"
    funders = [f"Funder A {tag}", f"Funder B {tag}"]
    programmes = ["Horizon Europe (HORIZON)", "LIFE", "CREA"]
    keywords = [["Ocean"], ["Citizen science", "Health"], ["Ocean", "Cultural heritage"], []]
    dates = [  # open (two on one day: the id breaks the tie), closed, forthcoming, no cut-off
        {"opening_date": "2019-01-01", "deadlines": ["2099-01-01"]},
        {"opening_date": "2019-01-01", "deadlines": ["2020-01-01"]},
        {"opening_date": "2098-01-01", "deadlines": ["2099-02-01"]},
        {"opening_date": "2019-01-01", "deadlines": []},
    ]
    for n in range(40):
        body = {
            "identifier": f"P-{uuid.uuid4().hex[:10]}",
            "title": f"{WORDS[n % 5].title()} call {n} {tag}",
            "description": f"About {WORDS[(n * 3) % 5]}.",
            "funder": funders[n % 2],
            "programme": programmes[n % 3],
            "type_of_action": "HORIZON Coordination and Support Actions" if n % 4 else None,
            "keywords": keywords[n % 4],
            **dates[(n // 2) % 4],
        }
        response = await admin.post("/v1/calls", json=body)
        assert response.status_code == 201, response.text
    cases: list[dict[str, Any]] = [
        {"q": tag},
        {"q": f"ocean {tag}", "status": "open", "programme": "HORIZON"},
        {"q": f"océans {tag}", "status": ["open", "forthcoming"]},
        {"q": f"citizen {tag}", "theme": "health", "funder": funders[0]},
        {"q": f"clim {tag}", "programme": ["LIFE", "CREA"], "status": "closed"},
        {"q": f"museum {tag}", "type_of_action": "coordination", "theme": "heritage"},
        {"q": f"quantum {tag}", "status": "open", "programme": "HORIZON", "funder": funders[1]},
        {"q": f"nothingmatches {tag}"},
    ]
    for params in cases:
        filters = CallFilters(
            q=params["q"],
            statuses=tuple(CallStatus(s) for s in _many(params.get("status"))),
            programmes=tuple(_many(params.get("programme"))),
            type_of_action=params.get("type_of_action"),
            themes=tuple(Theme(t) for t in _many(params.get("theme"))),
            funders=tuple(_many(params.get("funder"))),
        )
        order, facets = await plain(runtime, filters)
        seen: list[str] = []
        after: str | None = None
        first = True
        while first or after:
            page_params = {**params, "limit": 3, "facets": ",".join(FACETS)}
            if after:
                page_params["after"] = after
            response = await anonymous.get("/v1/calls", params=page_params)
            assert response.status_code == 200, response.text
            page = response.json()
            assert page["facets"] == facets, params
            seen += [item["id"] for item in page["items"]]
            after, first = page["next"], False
        assert seen == order, params
    # The cases select something: the comparison is not of empty lists.
    assert len((await plain(runtime, CallFilters(q=tag)))[0]) == 40


def _many(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
