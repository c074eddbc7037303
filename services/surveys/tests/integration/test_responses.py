"""Answering through a personal link: partial saves, validation, submission, anonymity."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import nats
import orjson
import sqlalchemy as sa
from fastapi import FastAPI

from kit.testing.nats import NatsServer
from surveys.responses.models import Response

from .test_invitations import open_survey


async def invite(admin: httpx.AsyncClient, survey: dict[str, Any], count: int = 1) -> list[str]:
    """Tokens of ``count`` new invitations (people by address) to ``survey``."""
    url = f"/v1/surveys/{survey['id']}/invitations"
    emails = [f"{uuid.uuid4().hex[:10]}@example.org" for _ in range(count)]
    await admin.post(url, json={"people": [{"email": e} for e in emails], "dry_run": False})
    listed = (await admin.get(url + "?limit=200")).json()["items"]
    by_email = {i["email"]: i["url"].rsplit("/", 1)[1] for i in listed}
    return [by_email[e] for e in emails]


FULL = {
    "structure_type": "association",
    "staff": 3,
    "volunteers": 25,
    "budget": {"exhibitions": 40, "workshops": 60},
    "recommend": 9,
    "satisfaction": {"meetings": 4, "trainings": 5},
}


async def test_save_come_back_and_submit_once(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    survey = await open_survey(admin)
    [token] = await invite(admin, survey)
    url = f"/v1/responses/{token}"

    first = await anonymous.get(url)
    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["answers"], first.json()["version"]) == (
        "invited",
        {},
        1,
    )
    assert first.json()["survey"]["sections"][0]["code"] == "structure"

    saved = await anonymous.put(url, json={"answers": {"structure_type": "museum", "staff": 3}})
    assert saved.status_code == 200, saved.text
    assert saved.json()["status"] == "partial"
    assert "volunteers" not in saved.json()["visible_questions"]
    # Meeting the condition shows the question; a hidden answer is never kept.
    hidden = await anonymous.put(url, json={"answers": {"volunteers": 4}})
    assert "volunteers" not in hidden.json()["answers"]
    shown = await anonymous.put(url, json={"answers": {"structure_type": "association"}})
    assert "volunteers" in shown.json()["visible_questions"]
    assert (await anonymous.get(url)).json()["answers"] == {
        "structure_type": "association",
        "staff": 3,
    }
    invitations = (await admin.get(f"/v1/surveys/{survey['id']}/invitations")).json()["items"]
    assert [i["status"] for i in invitations] == ["partial"]

    incomplete = await anonymous.post(
        f"{url}/submit", json={"answers": {"budget": {"exhibitions": 40}}}
    )
    assert incomplete.status_code == 422
    assert {e["question"] for e in incomplete.json()["errors"]} == {"budget"}

    submitted = await anonymous.post(f"{url}/submit", json={"answers": FULL})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["editable"] is False
    assert submitted.json()["submitted_at"]
    again = await anonymous.put(url, json={"answers": {"staff": 4}})
    assert again.status_code == 409
    assert (await anonymous.post(f"{url}/submit")).status_code == 409


async def test_every_code_at_fault_is_named_and_nothing_is_stored(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    survey = await open_survey(admin)
    [token] = await invite(admin, survey)
    url = f"/v1/responses/{token}"
    await anonymous.put(url, json={"answers": {"staff": 2}})
    bad = await anonymous.put(
        url,
        json={
            "answers": {
                "structure_type": "zoo",
                "staff": -1,
                "budget": {"exhibitions": 70, "workshops": 40},
                "recommend": 11,
                "satisfaction": {"meetings": 9},
                "intro": "a note",
                "unknown": 1,
            }
        },
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert {e["question"] for e in bad.json()["errors"]} == {
        "structure_type",
        "staff",
        "budget",
        "recommend",
        "satisfaction",
        "intro",
        "unknown",
    }
    assert (await anonymous.get(url)).json()["answers"] == {"staff": 2}


async def test_unknown_and_other_surveys_tokens_are_the_same_404_and_closed_is_409(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    survey, other = await open_survey(admin), await open_survey(admin)
    [token] = await invite(admin, survey)
    unknown = await anonymous.get("/v1/responses/not-a-token")
    foreign = await anonymous.get(f"/v1/responses/{token}?survey_id={other['id']}")
    assert unknown.status_code == foreign.status_code == 404
    strip = lambda r: {k: v for k, v in r.json().items() if k not in ("instance", "request_id")}  # noqa: E731
    assert strip(unknown) == strip(foreign)
    assert (
        await anonymous.get(f"/v1/responses/{token}?survey_id={survey['id']}")
    ).status_code == 200

    await admin.post(f"/v1/surveys/{survey['id']}/close")
    closed = await anonymous.put(f"/v1/responses/{token}", json={"answers": {"staff": 1}})
    assert closed.status_code == 409
    assert closed.headers["content-type"] == "application/problem+json"
    assert (await anonymous.get(f"/v1/responses/{token}")).json()["editable"] is False


async def test_edits_after_submit_when_the_survey_allows_them(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    survey = await open_survey(admin, allow_edit_after_submit=True)
    [token] = await invite(admin, survey)
    url = f"/v1/responses/{token}"
    assert (await anonymous.post(f"{url}/submit", json={"answers": FULL})).status_code == 200
    edited = await anonymous.put(url, json={"answers": {"staff": 4}})
    assert edited.status_code == 200
    assert (edited.json()["status"], edited.json()["answers"]["staff"]) == ("submitted", 4)
    # A submitted response stays whole.
    assert (await anonymous.put(url, json={"answers": {"structure_type": None}})).status_code == 422


async def test_an_anonymous_survey_keeps_no_actor_and_no_invitation_with_the_answers(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, app: FastAPI, nats_server: NatsServer
) -> None:
    survey = await open_survey(admin, anonymous=True)
    [token] = await invite(admin, survey)
    url = f"/v1/responses/{token}"
    await anonymous.put(url, json={"answers": {"structure_type": "museum"}})
    assert (await anonymous.get(url)).json()["answers"] == {"structure_type": "museum"}
    assert (await anonymous.post(f"{url}/submit", json={"answers": FULL})).status_code == 200
    async with app.state.runtime.database.transaction() as session:
        [row] = (
            await session.scalars(
                sa.select(Response).where(Response.survey_id == uuid.UUID(survey["id"]))
            )
        ).all()
    assert (row.invitation_id, row.actor_id, row.profile) == (None, None, None)
    assert row.respondent_key
    assert token not in row.respondent_key
    invitation = (await admin.get(f"/v1/surveys/{survey['id']}/invitations")).json()["items"][0]
    assert invitation["status"] == "submitted"  # the invitation only records that it was used

    client = await nats.connect(nats_server.url)
    try:
        sub = await client.jetstream().subscribe(
            "surveys.response.submitted", ordered_consumer=True
        )
        while True:
            event = orjson.loads((await sub.next_msg(timeout=10)).data)
            if event["data"]["survey_id"] == survey["id"]:
                break
    finally:
        await client.close()
    assert event["data"]["anonymous"] is True
    assert event["data"]["actor_id"] is None
    assert "answers" not in event["data"]
