"""The surveys API on both backends."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

PROBLEM = "application/problem+json"


def actors_survey(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Enquête auprès des acteurs de la CSTI en Occitanie",
        "languages": ["fr", "en"],
        "status": "open",
        "opens_at": "2027-01-10T00:00:00+01:00",
        "closes_at": "2027-03-31T23:59:00+02:00",
        "audience": {"circle": [1, 2, 3]},
        "questions": [
            {
                "code": "structure_type",
                "type": "single_choice",
                "label": {"fr": "Type de structure", "en": "Kind of organisation"},
                "required": True,
                "choices": [
                    {"code": "association", "label": {"fr": "Association"}},
                    {"code": "museum", "label": {"fr": "Musée"}},
                ],
            },
            {
                "code": "publics",
                "type": "long_text",
                "label": {"fr": "Quels publics touchez-vous ?"},
                "show_if": {"code": "structure_type", "equals": "association"},
            },
        ],
    }
    body.update(overrides)
    return body


async def test_create_and_read_a_survey(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await admin.post("/v1/surveys", json=actors_survey())
    assert created.status_code == 201, created.text
    survey = created.json()
    assert survey["questions"][0]["choices"][1]["label"]["fr"] == "Musée"
    assert (await anonymous.get(f"/v1/surveys/{survey['id']}")).json() == survey


async def test_drafts_are_hidden_from_the_public(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    draft = (await admin.post("/v1/surveys", json=actors_survey(status="draft"))).json()
    assert (await anonymous.get(f"/v1/surveys/{draft['id']}")).status_code == 404
    listed = (await anonymous.get("/v1/surveys?limit=200")).json()["items"]
    assert draft["id"] not in [s["id"] for s in listed]
    assert (await anonymous.post("/v1/surveys", json=actors_survey())).status_code == 401


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"languages": ["de"]}, "languages[0]"),
        (
            {"questions": [{"code": "q", "type": "single_choice", "label": {"fr": "?"}}]},
            "questions[0]",
        ),
        ({"closes_at": "2026-01-01T00:00:00+01:00"}, "body"),
    ],
)
async def test_bad_survey_is_422(
    admin: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    response = await admin.post("/v1/surveys", json=actors_survey(**overrides))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
