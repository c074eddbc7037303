"""The EU calls API on both backends."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

PROBLEM = "application/problem+json"


def topic(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "identifier": f"HORIZON-CL2-2027-01-TRANSFO-{uuid.uuid4().hex[:6]}",
        "call_identifier": "HORIZON-CL2-2027-01",
        "title": "Science communication and citizen engagement",
        "programme": "Horizon Europe",
        "type_of_action": "HORIZON-CSA",
        "opening_date": "2020-05-12",
        "deadlines": ["2099-09-16"],
        "deadline_model": "single-stage",
        "budget": {"total_eur": 6000000, "expected_grants": 3},
        "keywords": ["science communication", "citizen science"],
        "url": "https://ec.europa.eu/info/funding-tenders/opportunities/portal/",
    }
    body.update(overrides)
    return body


async def test_create_and_read_with_derived_status(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await admin.post("/v1/calls", json=topic())
    assert created.status_code == 201, created.text
    call = created.json()
    assert call["status"] == "open"
    assert (await anonymous.get(f"/v1/calls/{call['id']}")).json() == call
    closed = (await admin.post("/v1/calls", json=topic(deadlines=["2021-01-01"]))).json()
    assert closed["status"] == "closed"
    later = (await admin.post("/v1/calls", json=topic(opening_date="2098-01-01"))).json()
    assert later["status"] == "forthcoming"


async def test_duplicate_identifier_is_409_and_bad_dates_422(admin: httpx.AsyncClient) -> None:
    body = topic()
    assert (await admin.post("/v1/calls", json=body)).status_code == 201
    again = await admin.post("/v1/calls", json=body)
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    bad = await admin.post("/v1/calls", json=topic(deadlines=["2019-01-01"]))
    assert bad.status_code == 422


async def test_anonymous_cannot_add_calls(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post("/v1/calls", json=topic())
    assert response.status_code == 401


async def test_dates_out_of_any_call_s_range_and_bad_circles_are_422s(
    admin: httpx.AsyncClient,
) -> None:
    """Found by the contract fuzzer: both were 500s."""
    ancient = await admin.post(
        "/v1/calls", json=topic(opening_date=None, deadlines=["0050-10-30T19:09:13Z", "0086-01-01"])
    )
    assert ancient.status_code == 422, ancient.text
    assert ancient.json()["errors"][0]["field"].startswith("deadlines[0]")
    call = (await admin.post("/v1/calls", json=topic())).json()
    circles = await admin.get(f"/v1/calls/{call['id']}/matches", params={"circle": [1, 9]})
    assert circles.status_code == 422, circles.text
    assert circles.json()["errors"][0]["field"].startswith("query.circle")


async def test_a_budget_whose_minimum_exceeds_its_maximum_and_unknown_regions_are_422s(
    admin: httpx.AsyncClient,
) -> None:
    """Both were written (201): a call for region 99 matched nobody, ever."""
    cases = [
        (
            {"budget": {"min_contribution_eur": 50_000, "max_contribution_eur": 10}},
            "budget.max_contribution_eur",
        ),
        (
            {"budget": {"max_contribution_eur": 500_000, "total_eur": 100}},
            "budget.max_contribution_eur",
        ),
        ({"regions": ["76", "99"]}, "regions[1]"),
    ]
    for fields, field in cases:
        body = topic(**fields)
        response = await admin.post("/v1/calls", json=body)
        assert response.status_code == 422, (fields, response.text)
        assert response.headers["content-type"] == PROBLEM
        (error,) = response.json()["errors"]
        assert error["field"] == field, error
        # Nothing was written: the identifier is still free.
        fixed = topic(identifier=body["identifier"])
        assert (await admin.post("/v1/calls", json=fixed)).status_code == 201
    ok = await admin.post("/v1/calls", json=topic(regions=["76"], budget={"total_eur": 1}))
    assert ok.status_code == 201, ok.text


async def test_a_deleted_call_typed_again_comes_back(admin: httpx.AsyncClient) -> None:
    """Staff delete a call typed wrongly and type it again: it was a 409 ("already
    watched") for a call nobody could read any more, and nothing could mend it."""
    body = topic(title="Typo in the title")
    first = (await admin.post("/v1/calls", json=body)).json()
    assert (await admin.delete(f"/v1/calls/{first['id']}")).status_code == 204
    again = await admin.post("/v1/calls", json=body | {"title": "The right title"})
    assert again.status_code == 201, again.text
    read = await admin.get(f"/v1/calls/{again.json()['id']}")
    assert read.status_code == 200
    assert read.json()["title"] == "The right title"
    assert read.json()["version"] > first["version"]
    found = await admin.get("/v1/calls", params={"q": "right title"})
    assert body["identifier"] in [c["identifier"] for c in found.json()["items"]]
    # Still one call per identifier.
    assert (await admin.post("/v1/calls", json=body)).status_code == 409


async def test_the_same_call_typed_twice_at_once_is_one_201_and_409s(
    admin: httpx.AsyncClient,
) -> None:
    """A double click: both requests saw the identifier free, and on PostgreSQL the second
    insert broke the unique index, a 500."""
    body = topic()
    answers = await asyncio.gather(*(admin.post("/v1/calls", json=body) for _ in range(4)))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409, 409, 409], [a.text for a in answers]
    for answer in answers:
        if answer.status_code == 409:
            assert answer.headers["content-type"] == PROBLEM
            assert answer.json()["errors"][0]["field"] == "identifier"
