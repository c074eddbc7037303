"""Questionnaires through the API on both backends: definitions, lifecycle, versions."""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx
import pytest

PROBLEM = "application/problem+json"


def actors_survey(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": {"fr": "Enquête acteurs de la CSTI", "en": "Survey of science-culture actors"},
        "series": "enquete-acteurs",
        "languages": ["fr", "en"],
        "opens_at": "2026-11-02T00:00:00+01:00",
        "closes_at": "2027-03-31T23:59:00+02:00",
        "sections": [
            {
                "code": "structure",
                "title": {"fr": "Votre structure", "en": "Your organisation"},
                "questions": [
                    {
                        "code": "structure_type",
                        "type": "single_choice",
                        "label": {"fr": "Type de structure", "en": "Kind of organisation"},
                        "required": True,
                        "allow_other": True,
                        "choices": [
                            {"code": "association", "label": {"fr": "Association"}},
                            {"code": "museum", "label": {"fr": "Musée"}},
                        ],
                    },
                    {
                        "code": "staff",
                        "type": "integer",
                        "label": {"fr": "Salariés (ETP)"},
                        "min": 0,
                        "max": 5000,
                    },
                    {
                        "code": "volunteers",
                        "type": "integer",
                        "label": {"fr": "Bénévoles"},
                        "min": 0,
                        "show_if": {"q": "structure_type", "op": "eq", "value": "association"},
                    },
                ],
            },
            {
                "code": "activity",
                "title": {"fr": "Activités"},
                "questions": [
                    {"code": "intro", "type": "note", "label": {"fr": "Parlons de 2026."}},
                    {
                        "code": "budget",
                        "type": "split",
                        "label": {"fr": "Répartition du budget"},
                        "choices": [
                            {"code": "exhibitions", "label": {"fr": "Expositions"}},
                            {"code": "workshops", "label": {"fr": "Ateliers"}},
                        ],
                    },
                    {
                        "code": "recommend",
                        "type": "scale",
                        "preset": "nps",
                        "label": {"fr": "Recommanderiez-vous le réseau ?"},
                        "min_label": {"fr": "Pas du tout"},
                        "max_label": {"fr": "Tout à fait"},
                    },
                    {
                        "code": "satisfaction",
                        "type": "matrix",
                        "label": {"fr": "Votre satisfaction"},
                        "rows": [
                            {"code": "meetings", "label": {"fr": "Rencontres"}},
                            {"code": "trainings", "label": {"fr": "Formations"}},
                        ],
                        "min": 1,
                        "max": 5,
                    },
                ],
            },
        ],
    }
    body.update(overrides)
    return body


async def create(admin: httpx.AsyncClient, **overrides: Any) -> dict[str, Any]:
    response = await admin.post("/v1/surveys", json=actors_survey(**overrides))
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_draft_is_created_read_and_exported(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await admin.post("/v1/surveys", json=actors_survey())
    assert created.status_code == 201, created.text
    survey = created.json()
    assert survey["status"] == "draft"
    assert survey["version"] is None
    assert created.headers["ETag"] == f'"{survey["revision"]}"'
    recommend = survey["sections"][1]["questions"][2]
    assert (recommend["min"], recommend["max"]) == (0, 10)  # the nps preset
    assert (await admin.get(f"/v1/surveys/{survey['id']}")).json() == survey
    # Drafts are staff's only.
    assert (await anonymous.get(f"/v1/surveys/{survey['id']}")).status_code == 404
    listed = (await anonymous.get("/v1/surveys?limit=200")).json()["items"]
    assert survey["id"] not in [s["id"] for s in listed]
    assert (await anonymous.post("/v1/surveys", json=actors_survey())).status_code == 401

    exported = (await admin.get(f"/v1/surveys/{survey['id']}/definition")).json()
    assert exported["sections"] == survey["sections"]
    assert "opens_at" not in exported


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b.update(title={"fr": ""}), "title.fr"),
        (lambda b: b.update(languages=["de"]), "languages[0]"),
        (lambda b: b.update(status="open"), "status"),
        (lambda b: b["sections"][0]["questions"][0].update(choices=[]), "sections[0].questions[0]"),
        (
            lambda b: b["sections"][0]["questions"][1].update(code="Staff"),
            "sections[0].questions[1].code",
        ),
        (lambda b: b["sections"][1]["questions"][1].update(code="staff"), "sections"),
        (
            lambda b: b["sections"][0]["questions"][0]["choices"].append(
                {"code": "museum", "label": {"fr": "Musée bis"}}
            ),
            "sections[0].questions[0]",
        ),
        (
            lambda b: b["sections"][0]["questions"][0]["choices"].append(
                {"code": "other", "label": {"fr": "Autre"}}
            ),
            "sections[0].questions[0]",
        ),
        (
            lambda b: b["sections"][0]["questions"][1].update(max_length=3),
            "sections[0].questions[1]",
        ),
        (lambda b: b["sections"][1]["questions"][2].update(min=1), "sections[1].questions[2]"),
        (lambda b: b["sections"][1]["questions"][3].update(rows=[]), "sections[1].questions[3]"),
        (
            lambda b: b["sections"][0]["questions"][2].update(show_if={"q": "structure_type"}),
            "sections[0].questions[2].show_if",
        ),
        (lambda b: b.update(closes_at="2026-01-01T00:00:00+01:00"), "closes_at"),
    ],
)
async def test_bad_definitions_are_422_naming_the_field(
    admin: httpx.AsyncClient, change: Any, field: str
) -> None:
    body = actors_survey()
    change(body)
    before = (await admin.get("/v1/surveys?limit=200")).json()["items"]
    response = await admin.post("/v1/surveys", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
    after = (await admin.get("/v1/surveys?limit=200")).json()["items"]
    assert len(after) == len(before)


async def test_patch_needs_the_current_etag_and_edits_a_draft(admin: httpx.AsyncClient) -> None:
    survey = await create(admin)
    url = f"/v1/surveys/{survey['id']}"
    stale = await admin.patch(url, json={"remind_after_days": 7}, headers={"If-Match": '"99"'})
    assert stale.status_code == 412
    sections = copy.deepcopy(survey["sections"])
    sections[0]["questions"][1]["max"] = 100
    changed = await admin.patch(
        url,
        json={"sections": sections, "anonymous": True},
        headers={"If-Match": f'"{survey["revision"]}"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["sections"][0]["questions"][1]["max"] == 100
    assert changed.json()["anonymous"] is True
    assert changed.json()["revision"] == survey["revision"] + 1
    nulled = await admin.patch(url, json={"title": None})
    assert nulled.status_code == 422


async def test_lifecycle_freezes_numbered_versions(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    survey = await create(admin)
    url = f"/v1/surveys/{survey['id']}"
    not_open = await admin.post(f"{url}/close")
    assert not_open.status_code == 409  # a draft is not open
    assert not_open.json()["detail"] == "Only an open survey can be closed; this one is draft."

    published = await admin.post(f"{url}/publish")
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "open"
    assert published.json()["version"] == 1
    assert (await anonymous.get(url)).status_code == 200
    assert (await admin.post(f"{url}/publish")).status_code == 409

    # A published version never changes: the answer says what to do instead.
    sections = copy.deepcopy(survey["sections"])
    sections[0]["questions"][1]["label"] = {"fr": "Salariés permanents (ETP)"}
    refused = await admin.patch(url, json={"sections": sections})
    assert refused.status_code == 409
    assert refused.headers["content-type"] == PROBLEM
    assert f"POST /v1/surveys/{survey['id']}/versions" in refused.json()["detail"]
    # Settings are not the questionnaire: they still change.
    assert (await admin.patch(url, json={"remind_after_days": 10})).status_code == 200

    second = await admin.post(f"{url}/versions", json={"sections": sections})
    assert second.status_code == 201, second.text
    assert second.json()["version"] == 2
    assert second.headers["Location"] == f"{url}/versions/2"
    first = (await admin.get(f"{url}/versions/1")).json()
    assert first["definition"]["sections"][0]["questions"][1]["label"]["fr"] == "Salariés (ETP)"
    assert [v["number"] for v in (await anonymous.get(f"{url}/versions")).json()] == [1, 2]
    exported = (await admin.get(f"{url}/definition?version=1")).json()
    assert exported["sections"] == survey["sections"]
    # A number no INTEGER column holds is refused at input (it was a 500 on PostgreSQL).
    for too_big in (f"{url}/versions/2147483648", f"{url}/definition?version=2147483648"):
        refused_number = await admin.get(too_big)
        assert refused_number.status_code == 422, refused_number.text
    assert (await admin.get(f"{url}/versions/2147483647")).status_code == 404

    assert (await admin.delete(url)).status_code == 409  # answers are kept: archive first
    assert (await admin.post(f"{url}/close")).json()["status"] == "closed"
    assert (await admin.post(f"{url}/versions", json={"sections": sections})).status_code == 409
    assert (await admin.post(f"{url}/archive")).json()["status"] == "archived"
    assert (await admin.delete(url)).status_code == 204
    assert (await admin.get(url)).status_code == 404


async def test_publish_refuses_conditions_on_later_or_unknown_questions(
    admin: httpx.AsyncClient,
) -> None:
    body = actors_survey()
    staff = body["sections"][0]["questions"][1]
    staff["show_if"] = {
        "all": [
            {"q": "structure_type", "op": "in", "value": ["museum", "planetarium"]},
            {"q": "recommend", "op": "gte", "value": 9},
        ]
    }
    survey = await create(admin, **body)
    response = await admin.post(f"/v1/surveys/{survey['id']}/publish")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == {
        "sections[0].questions[1].show_if.all[0].value[1]",
        "sections[0].questions[1].show_if.all[1].q",
    }
    assert {e["question"] for e in errors} == {"staff"}
    assert (await admin.get(f"/v1/surveys/{survey['id']}")).json()["status"] == "draft"


async def test_lists_filter_by_series_and_status(admin: httpx.AsyncClient) -> None:
    wave = await create(admin, series="enquete-bibliotheques")
    await admin.post(f"/v1/surveys/{wave['id']}/publish")
    other = await create(admin, series="enquete-bibliotheques")
    found = (await admin.get("/v1/surveys?series=enquete-bibliotheques&status=open")).json()
    ids = [s["id"] for s in found["items"]]
    assert wave["id"] in ids
    assert other["id"] not in ids


def _nested(depth: int) -> Any:
    value: Any = {}
    for _ in range(depth):
        value = {"any": value}
    return value


SHOW_IF = "sections[0].questions[2].show_if"


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (2**64, f"{SHOW_IF}.value"),
        ("a\x00b", f"{SHOW_IF}.value"),
        ("\ud800", f"{SHOW_IF}.value"),
        (_nested(300), f"{SHOW_IF}.value" + ".any" * 26),  # cut at 32 levels
    ],
)
async def test_free_json_that_cannot_be_stored_is_422_naming_the_field(
    admin: httpx.AsyncClient, value: Any, field: str
) -> None:
    """Each was a 500 (and a dropped connection) from the database or the JSON writer."""
    body = actors_survey(series=f"bad-json-{len(field)}")
    body["sections"][0]["questions"][2]["show_if"]["value"] = value
    response = await admin.post(
        "/v1/surveys",
        content=json.dumps(body),  # ensure_ascii: \ud800 travels as an escape
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    listed = (await admin.get(f"/v1/surveys?series=bad-json-{len(field)}")).json()["items"]
    assert listed == []
