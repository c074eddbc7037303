"""Indicators across the waves of a series, on both backends."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext

from kit.testing.jetstream import stream_messages
from kit.testing.polling import wait_until
from surveys.responses.models import Response

from .conftest import submitted

PROBLEM = "application/problem+json"
KnownActors = Callable[..., Awaitable[list[uuid.UUID]]]


def wave_survey(series: str, year: int) -> dict[str, Any]:
    return {
        "title": {"fr": f"Enquête acteurs {year}"},
        "series": series,
        "opens_at": f"{year}-02-01T00:00:00+01:00",
        "closes_at": f"{year}-06-30T00:00:00+02:00",
        "sections": [
            {
                "code": "s",
                "title": {"fr": "Activités"},
                "questions": [
                    {
                        "code": "trains",
                        "type": "single_choice",
                        "label": {"fr": "Formez-vous des médiateurs ?"},
                        "choices": [
                            {"code": "yes", "label": {"fr": "Oui"}},
                            {"code": "no", "label": {"fr": "Non"}},
                        ],
                    },
                    {"code": "budget", "type": "decimal", "label": {"fr": "Budget (k€)"}},
                    {"code": "note", "type": "long_text", "label": {"fr": "Remarque"}},
                ],
            }
        ],
    }


async def answered_wave(
    app: FastAPI,
    admin: httpx.AsyncClient,
    series: str,
    year: int,
    answers: list[tuple[uuid.UUID, dict[str, Any]]],
) -> str:
    created = await admin.post("/v1/surveys", json=wave_survey(series, year))
    assert created.status_code == 201, created.text
    survey_id = created.json()["id"]
    assert (await admin.post(f"/v1/surveys/{survey_id}/publish")).status_code == 200
    async with app.state.runtime.database.transaction() as session:
        for actor_id, given in answers:
            await submitted(
                session,
                Response(
                    survey_id=uuid.UUID(survey_id),
                    version=1,
                    actor_id=actor_id,
                    answers=given,
                    status="submitted",
                ),
            )
    return str(survey_id)


@pytest.fixture
async def series(
    app: FastAPI, admin: httpx.AsyncClient, known_actors: KnownActors
) -> dict[str, Any]:
    name = f"acteurs-{uuid.uuid4().hex[:8]}"
    actors = await known_actors(
        *(
            {"name": f"Acteur {i}", "address": {"region": "76" if i < 14 else "75"}}
            for i in range(20)
        )
    )
    # 2025: 8 of 20 train (6 in Occitanie, 2 in Nouvelle-Aquitaine); 2026: 12 of 20.
    first = await answered_wave(
        app,
        admin,
        name,
        2025,
        [
            (a, {"trains": "yes" if i < 6 or i >= 18 else "no", "budget": 10 * i})
            for i, a in enumerate(actors)
        ],
    )
    second = await answered_wave(
        app,
        admin,
        name,
        2026,
        [
            (a, {"trains": "yes" if i < 12 else "no", "budget": 12 * i})
            for i, a in enumerate(actors)
        ],
    )
    return {"series": name, "waves": [first, second], "actors": actors}


def indicator_body(series_name: str, **overrides: Any) -> dict[str, Any]:
    return {
        "name": {"fr": "Part des acteurs qui forment", "en": "Share of actors who train"},
        "series": series_name,
        "question": "trains",
        "measure": "share",
        "answers": ["yes"],
        "unit": "%",
        "public": True,
        **overrides,
    }


async def test_an_indicator_follows_its_question_across_the_published_waves(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    series: dict[str, Any],
    jetstream: JetStreamContext,
) -> None:
    created = await admin.post("/v1/indicators", json=indicator_body(series["series"]))
    assert created.status_code == 201, created.text
    url = f"/v1/indicators/{created.json()['id']}"

    staff = (await admin.get(url)).json()
    assert [(w["wave"], w["value"]) for w in staff["waves"]] == [("2025", 40.0), ("2026", 60.0)]

    # Nothing published yet: the public sees the indicator and no wave.
    assert (await anonymous.get(url)).json()["waves"] == []
    first = series["waves"][0]
    assert (await admin.post(f"/v1/surveys/{first}/results/publish")).status_code == 200
    public = (await anonymous.get(url, params={"by": "region"})).json()
    assert [w["wave"] for w in public["waves"]] == ["2025"]
    assert public["waves"][0]["value"] == 40.0
    cuts = {c["cut"]: c for c in public["waves"][0]["cuts"]}
    assert cuts["75"]["suppressed"] is True  # 6 actors, 2 of whom train
    assert cuts["75"]["value"] is None
    # With the total published, Occitanie's share would give the 2 back: withheld too.
    assert (cuts["76"]["value"], cuts["76"]["suppressed"]) == (None, True)
    staff_cuts = (await admin.get(url, params={"by": "region"})).json()["waves"][0]["cuts"]
    assert {c["cut"]: c["value"] for c in staff_cuts} == {"75": 33.3, "76": round(600 / 14, 1)}

    export = await anonymous.get(f"{url}.csv", params={"by": "region"})
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["wave", "region", "value", "unit", "respondents", "suppressed"]
    assert ["2025", "75", "", "%", "6", "yes"] in rows

    async def announced() -> list[dict[str, Any]] | None:
        messages = await stream_messages(jetstream, "SURVEYS", "surveys.indicator.updated")
        ours = [orjson.loads(m.data or b"{}") for m in messages]
        ours = [e for e in ours if e["subject"] == created.json()["id"]]
        return ours if len(ours) >= 2 else None

    events = await wait_until(announced, what="indicator updates announced")
    assert events[0]["data"]["values"] == []  # created before any publication
    assert [v["value"] for v in events[-1]["data"]["values"]] == [40.0]


async def test_private_indicators_are_for_staff_and_the_panel_shows_who_moved(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, series: dict[str, Any]
) -> None:
    body = indicator_body(series["series"], public=False)
    created = (await admin.post("/v1/indicators", json=body)).json()
    url = f"/v1/indicators/{created['id']}"
    assert (await anonymous.get(url)).status_code == 404
    listed = (await anonymous.get("/v1/indicators", params={"series": series["series"]})).json()
    assert created["id"] not in [i["id"] for i in listed["items"]]
    assert (await anonymous.get(f"{url}/panel")).status_code in (401, 403)

    panel = (await admin.get(f"{url}/panel")).json()
    step = panel["steps"][0]
    assert (step["from_wave"], step["to_wave"], step["actors"]) == ("2025", "2026", 20)
    assert step["moves"] == {"same": 12, "joined": 6, "left": 2}  # 6..11 joined, 18, 19 left


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"measure": "mean"}, "answers"),  # a mean takes no answers
        ({"measure": "mean", "answers": []}, "measure"),  # nor of a choice question
        ({"answers": ["maybe"]}, "answers"),
        ({"question": "unknown_q"}, "question"),
        ({"series": "no-such-series"}, "series"),
        ({"measure": "nps", "question": "budget", "answers": []}, "measure"),
        ({"measure": "average"}, "measure"),
    ],
)
async def test_indicators_that_do_not_fit_are_422_naming_the_field(
    admin: httpx.AsyncClient, series: dict[str, Any], overrides: dict[str, Any], field: str
) -> None:
    response = await admin.post(
        "/v1/indicators", json=indicator_body(series["series"], **overrides)
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == field


async def test_mean_of_a_number_and_by_an_unknown_attribute(
    admin: httpx.AsyncClient, series: dict[str, Any]
) -> None:
    body = indicator_body(
        series["series"], question="budget", measure="mean", answers=[], unit="k€"
    )
    created = (await admin.post("/v1/indicators", json=body)).json()
    values = (await admin.get(f"/v1/indicators/{created['id']}")).json()
    assert [w["value"] for w in values["waves"]] == [95.0, 114.0]
    bad = await admin.get(f"/v1/indicators/{created['id']}", params={"by": "colour"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.by"


async def test_staff_delete_an_indicator_with_if_match_and_partners_are_told(
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    series: dict[str, Any],
    jetstream: JetStreamContext,
) -> None:
    """Before the fix: DELETE was a 405 and GET sent no ETag."""
    created = (await admin.post("/v1/indicators", json=indicator_body(series["series"]))).json()
    url = f"/v1/indicators/{created['id']}"
    read = await admin.get(url)
    assert read.headers["ETag"] == '"1"'
    changed = await admin.patch(url, json={"unit": "pct"}, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == (await admin.get(url)).headers["ETag"] == '"2"'
    stale = await admin.patch(url, json={"unit": "%"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412

    assert (await anonymous.delete(url)).status_code in (401, 403)
    refused = await admin.delete(url, headers={"If-Match": '"1"'})
    assert refused.status_code == 412
    assert refused.headers["content-type"] == PROBLEM
    assert (await admin.get(url)).status_code == 200  # still there
    assert (await admin.delete(url, headers={"If-Match": '"2"'})).status_code == 204
    assert (await admin.get(url)).status_code == 404
    assert (await anonymous.get(url)).status_code == 404
    assert (await admin.delete(url)).status_code == 404
    listed = (await admin.get("/v1/indicators", params={"series": series["series"]})).json()
    assert created["id"] not in [i["id"] for i in listed["items"]]

    async def announced() -> list[dict[str, Any]] | None:
        messages = await stream_messages(jetstream, "SURVEYS", "surveys.indicator.deleted")
        ours = [orjson.loads(m.data or b"{}") for m in messages]
        return [e for e in ours if e["subject"] == created["id"]] or None

    event = (await wait_until(announced, what="indicator deletion announced"))[0]
    assert event["data"]["id"] == created["id"]
    assert event["data"]["series"] == series["series"]
