"""Results, crosstabs, publication and exports of a survey on both backends.

Responses are written straight into the database (the response API is another package's):
what is under test is what the results make of them."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext
from openpyxl import load_workbook

from kit.identity import IdentitySigner
from kit.testing.jetstream import stream_messages
from kit.testing.plugin import asgi_client, identity_headers
from kit.testing.polling import wait_until
from surveys.invitations.models import Invitation
from surveys.links import new_token
from surveys.responses.models import Response

from .conftest import submitted
from .test_responses import invite

PROBLEM = "application/problem+json"
KnownActors = Callable[..., Awaitable[list[uuid.UUID]]]


def observatory_survey() -> dict[str, Any]:
    return {
        "title": {"fr": "Enquête acteurs 2026"},
        "series": f"enquete-{uuid.uuid4().hex[:8]}",
        "sections": [
            {
                "code": "s1",
                "title": {"fr": "Vous"},
                "questions": [
                    {
                        "code": "kind",
                        "type": "single_choice",
                        "label": {"fr": "Type de structure"},
                        "choices": [
                            {"code": "association", "label": {"fr": "Association"}},
                            {"code": "museum", "label": {"fr": "Musée"}},
                            {"code": "library", "label": {"fr": "Bibliothèque"}},
                        ],
                    },
                    {
                        "code": "publics",
                        "type": "multiple_choice",
                        "label": {"fr": "Publics"},
                        "choices": [
                            {"code": "children", "label": {"fr": "Enfants"}},
                            {"code": "seniors", "label": {"fr": "Seniors"}},
                        ],
                    },
                    {"code": "staff", "type": "integer", "label": {"fr": "ETP"}, "min": 0},
                    {
                        "code": "recommend",
                        "type": "scale",
                        "preset": "nps",
                        "label": {"fr": "Recommanderiez-vous le réseau ?"},
                    },
                    {"code": "comment", "type": "long_text", "label": {"fr": "Commentaire"}},
                ],
            }
        ],
    }


@dataclass
class Wave:
    id: str
    actors: list[uuid.UUID]


def _answers(i: int) -> dict[str, Any]:
    # 2 libraries only: a small cell. 'comment' holds a formula for the CSV test.
    kind = "library" if i < 2 else ("museum" if i % 3 == 0 else "association")
    return {
        "kind": kind,
        "publics": ["children"] if i % 4 else ["children", "seniors"],
        "staff": i % 7,
        "recommend": 10 if i % 2 else (8 if i % 5 else 3),
        "comment": '=HYPERLINK("http://evil")' if i == 0 else f"Très bien {i}",
    }


@pytest.fixture
async def wave(app: FastAPI, admin: httpx.AsyncClient, known_actors: KnownActors) -> Wave:
    created = await admin.post("/v1/surveys", json=observatory_survey())
    assert created.status_code == 201, created.text
    survey_id = created.json()["id"]
    assert (await admin.post(f"/v1/surveys/{survey_id}/publish")).status_code == 200
    actors = await known_actors(
        *(
            {
                "name": f"Acteur {i}",
                "circle": 1 if i % 2 else 2,
                "types": ["association"] if i % 3 else ["museum", "school"],
                "address": {"department": "34" if i < 20 else "31", "region": "76"},
                "membership": {"member": i % 2 == 0},
            }
            for i in range(30)
        )
    )
    async with app.state.runtime.database.transaction() as session:
        for i, actor_id in enumerate(actors):
            status = "submitted" if i < 26 else "invited"
            invitation = Invitation(
                survey_id=uuid.UUID(survey_id),
                actor_id=actor_id,
                token=new_token(),
                source="audience",
                status=status,
            )
            session.add(invitation)
            await session.flush()
            if status == "submitted":
                await submitted(
                    session,
                    Response(
                        survey_id=uuid.UUID(survey_id),
                        version=1,
                        invitation_id=invitation.id,
                        actor_id=actor_id,
                        answers=_answers(i),
                        status="submitted",
                    ),
                )
    return Wave(survey_id, actors)


def _choices(question: dict[str, Any]) -> dict[str, Any]:
    return {c["code"]: c["count"] for c in question["choices"]}


def _question(results: dict[str, Any], code: str) -> dict[str, Any]:
    return next(q for q in results["questions"] if q["code"] == code)


async def test_staff_read_every_figure_and_the_response_rate(
    admin: httpx.AsyncClient, wave: Wave
) -> None:
    response = await admin.get(f"/v1/surveys/{wave.id}/results")
    assert response.status_code == 200, response.text
    results = response.json()

    assert results["k"] is None
    assert results["respondents"] == 26
    assert results["response_rate"] == {
        "invited": 30,
        "partial": 0,
        "submitted": 26,
        "rate": round(26 / 30, 4),
        "suppressed": False,
    }
    assert _choices(_question(results, "kind")) == {"association": 16, "museum": 8, "library": 2}
    publics = _question(results, "publics")
    assert {c["code"]: c["share"] for c in publics["choices"]}["children"] == 1.0
    assert _question(results, "comment")["answers"][1] == "Très bien 1"
    assert _question(results, "recommend")["nps"] is not None
    assert "label" in _question(results, "kind")


async def test_results_are_for_staff_until_published_then_suppressed_for_everyone(
    app: FastAPI,
    admin: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    identity_signer: IdentitySigner,
    wave: Wave,
    jetstream: JetStreamContext,
) -> None:
    url = f"/v1/surveys/{wave.id}/results"
    partner = asgi_client(app, identity_headers(identity_signer, "partner", partner="echo"))
    reader = asgi_client(app, identity_headers(identity_signer, "reader"))
    for client in (anonymous, partner, reader):
        hidden = await client.get(url)
        assert hidden.status_code == 404
        assert hidden.headers["content-type"] == PROBLEM
        assert "questions" not in hidden.json()
    assert (await anonymous.get(f"/v1/surveys/{uuid.uuid4()}/results")).status_code == 404

    too_small = await admin.post(f"{url}/publish", json={"k": 2})
    assert too_small.status_code == 422
    assert too_small.json()["errors"][0]["field"] == "k"
    assert (await anonymous.post(f"{url}/publish", json={})).status_code in (401, 403)
    published = await admin.post(f"{url}/publish", json={"k": 5})
    assert published.status_code == 200, published.text
    assert published.json()["published"] is True

    for client in (anonymous, partner, reader):
        public = (await client.get(url)).json()
        assert public["k"] == 5
        kind = _question(public, "kind")
        assert _choices(kind)["library"] is None  # 2 respondents
        assert sum(c["suppressed"] for c in kind["choices"]) >= 2  # and a complement
        assert "answers" not in _question(public, "comment")
        staff_numbers = _question(public, "staff")
        assert "min" not in staff_numbers
        # 4 invitees did not answer: no small cell (they are not respondents); the submitted
        # count is the respondents given above it. Failed before the fix (submitted: null).
        assert public["respondents"] == 26
        assert public["response_rate"] == {
            "invited": 30,
            "partial": 0,
            "submitted": 26,
            "rate": round(26 / 30, 4),
            "suppressed": False,
        }

    private = await anonymous.get(url, params={"member": "true"})
    assert private.status_code == 403
    assert private.json()["errors"][0]["field"] == "query.member"
    await partner.aclose()
    await reader.aclose()

    async def announced() -> list[dict[str, Any]] | None:
        messages = await stream_messages(jetstream, "SURVEYS", "surveys.results.published")
        ours = [orjson.loads(m.data or b"{}") for m in messages]
        ours = [e for e in ours if e["subject"] == wave.id]
        return ours or None

    event = (await wait_until(announced, what="results published announced"))[0]
    assert event["data"]["k"] == 5
    assert event["data"]["respondents"] == 26


async def test_filters_keep_the_actors_with_those_attributes(
    admin: httpx.AsyncClient, wave: Wave
) -> None:
    url = f"/v1/surveys/{wave.id}/results"
    herault = (await admin.get(url, params={"department": "34"})).json()
    assert herault["respondents"] == 20
    assert herault["filters"] == {"department": ["34"]}
    museums = (await admin.get(url, params={"type": "museum", "circle": "1,2"})).json()
    assert museums["respondents"] == 9  # i % 3 == 0 among 0..25
    bad = await admin.get(url, params={"circle": "4"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.circle"
    assert (await admin.get(url, params={"version": 9})).status_code == 422


async def test_crosstab_by_one_or_two_attributes(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, wave: Wave
) -> None:
    url = f"/v1/surveys/{wave.id}/crosstab"
    staff = await admin.get(url, params={"question": "kind", "by": "circle,department"})
    assert staff.status_code == 200, staff.text
    table = staff.json()
    assert table["by"] == ["circle", "department"]
    assert sum(r["respondents"] for r in table["rows"]) == 26
    assert table["total"]["respondents"] == 26

    for params, field in [
        ({"question": "kind", "by": "colour"}, "query.by"),
        ({"question": "kind", "by": "circle,region,type"}, "query.by"),
        ({"question": "q99", "by": "circle"}, "query.question"),
        ({"question": "comment", "by": "circle"}, "query.question"),
    ]:
        bad = await admin.get(url, params=params)
        assert bad.status_code == 422, params
        assert bad.headers["content-type"] == PROBLEM
        assert bad.json()["errors"][0]["field"] == field

    assert (
        await anonymous.get(url, params={"question": "kind", "by": "circle"})
    ).status_code == 404
    await admin.post(f"/v1/surveys/{wave.id}/results/publish")
    public = (await anonymous.get(url, params={"question": "kind", "by": "circle"})).json()
    library = public["total"]["cells"][2]
    assert (library["code"], library["count"], library["suppressed"]) == ("library", None, True)
    member = await anonymous.get(url, params={"question": "kind", "by": "member"})
    assert member.status_code == 403


async def test_responses_csv_and_xlsx_with_a_codebook(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, wave: Wave
) -> None:
    url = f"/v1/surveys/{wave.id}/responses"
    assert (await anonymous.get(f"{url}.csv")).status_code in (401, 403)
    response = await admin.get(f"{url}.csv", params={"labels": "true"})
    assert response.status_code == 200, response.text
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 26
    first = next(r for r in rows if r["comment"].startswith("'"))
    assert first["comment"] == '\'=HYPERLINK("http://evil")'  # neutralised
    assert first["kind"] == "Bibliothèque"
    assert {first["publics.children"], first["publics.seniors"]} <= {"0", "1"}
    assert first["region"] == "76"
    assert first["type"] in ("association", "museum|school")

    workbook = await admin.get(f"{url}.xlsx")
    assert workbook.status_code == 200
    book = load_workbook(io.BytesIO(workbook.content), read_only=True)
    assert book.sheetnames == ["responses", "codebook"]
    codebook = list(book["codebook"].iter_rows(values_only=True))
    assert codebook[0][:3] == ("column", "question", "type")
    assert ("publics.seniors", "publics", "multiple_choice") in [row[:3] for row in codebook]


def other_survey() -> dict[str, Any]:
    """Every choice question that may allow "other, please specify"."""
    choices = [{"code": "a", "label": {"fr": "A"}}, {"code": "b", "label": {"fr": "B"}}]
    kinds = {"q_single": "single_choice", "q_drop": "dropdown", "q_multi": "multiple_choice"}
    return {
        "title": {"fr": "Autre, précisez"},
        "sections": [
            {
                "code": "s1",
                "title": {"fr": "Vous"},
                "questions": [
                    {
                        "code": code,
                        "type": kind,
                        "label": {"fr": f"Question {code}", "en": f"Question {code}"},
                        "choices": choices,
                        "allow_other": True,
                    }
                    for code, kind in kinds.items()
                ],
            }
        ],
    }


async def test_exports_keep_the_other_please_specify_text_neutralised(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    """Before the fix neither export had the text of "other" (no ``q_single.other`` column)."""
    created = await admin.post("/v1/surveys", json=other_survey())
    assert created.status_code == 201, created.text
    survey = created.json()
    assert (await admin.post(f"/v1/surveys/{survey['id']}/publish")).status_code == 200
    first, second = await invite(admin, survey, 2)
    answers = [
        {
            "q_single": "other",
            "q_single.other": "autre chose",
            "q_drop": "other",
            "q_drop.other": '=HYPERLINK("http://evil")',
            "q_multi": ["a", "other"],
            "q_multi.other": "+mon texte",
        },
        {"q_single": "a", "q_drop": "b", "q_multi": ["b"]},
    ]
    for token, given in zip((first, second), answers, strict=True):
        sent = await anonymous.post(f"/v1/responses/{token}/submit", json={"answers": given})
        assert sent.status_code == 200, sent.text

    url = f"/v1/surveys/{survey['id']}/responses"
    response = await admin.get(f"{url}.csv")
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    by_single = {r["q_single"]: r for r in rows}
    other, plain = by_single["other"], by_single["a"]
    assert other["q_single.other"] == "autre chose"
    assert other["q_drop.other"] == '\'=HYPERLINK("http://evil")'  # neutralised
    assert (other["q_multi.other"], other["q_multi.other.text"]) == ("1", "'+mon texte")
    assert (plain["q_single.other"], plain["q_drop.other"], plain["q_multi.other.text"]) == (
        "",
        "",
        "",
    )
    assert plain["q_multi.other"] == "0"

    workbook = await admin.get(f"{url}.xlsx")
    assert workbook.status_code == 200
    book = load_workbook(io.BytesIO(workbook.content), read_only=True)
    sheet = list(book["responses"].iter_rows(values_only=True))
    cells = [dict(zip(sheet[0], row, strict=True)) for row in sheet[1:]]
    written = next(c for c in cells if c["q_single"] == "other")
    assert written["q_single.other"] == "autre chose"
    assert written["q_drop.other"] == '\'=HYPERLINK("http://evil")'
    assert written["q_multi.other.text"] == "'+mon texte"
    codebook = {row[0]: row for row in book["codebook"].iter_rows(values_only=True)}
    for column, kind in (
        ("q_single.other", "single_choice"),
        ("q_drop.other", "dropdown"),
        ("q_multi.other.text", "multiple_choice"),
    ):
        assert codebook[column][1:3] == (column.split(".")[0], kind)
        assert "autre" in codebook[column][3]


async def test_a_cut_of_few_respondents_withholds_its_submitted_count_and_rate(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, wave: Wave
) -> None:
    """Département 31: 10 invited, 6 submitted; under k = 7 every figure of those 6 is
    withheld, the whole response rate's included (its invited and partial counts would narrow
    the submitted one down), and nothing on the page gives it back."""
    url = f"/v1/surveys/{wave.id}/results"
    assert (await admin.post(f"{url}/publish", json={"k": 7})).status_code == 200
    public = (await anonymous.get(url, params={"department": "31"})).json()
    assert public["respondents"] is None
    assert public["response_rate"] == {
        "invited": None,
        "partial": None,
        "submitted": None,
        "rate": None,
        "suppressed": True,
    }
    assert all(q["respondents"] is None for q in public["questions"])
    staff = (await admin.get(url, params={"department": "31"})).json()
    assert (staff["respondents"], staff["response_rate"]["submitted"]) == (6, 6)
