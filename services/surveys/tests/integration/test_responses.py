"""Answering through a personal link: partial saves, validation, submission, anonymity."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import nats
import orjson
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from kit.testing.nats import NatsServer
from surveys.invitations.models import Invitation
from surveys.questionnaires.models import Survey, SurveyVersion
from surveys.responses.models import Response
from surveys.responses.policies import anonymous_moment
from surveys.responses.repository import (
    LinkedInvitation,
    LinkedSurvey,
    StoredResponse,
    response_repository,
)
from surveys.responses.service import respondent_key

from .test_invitations import open_survey


async def invite(admin: httpx.AsyncClient, survey: dict[str, Any], count: int = 1) -> list[str]:
    """Tokens of ``count`` new invitations (people by address) to ``survey``."""
    url = f"/v1/surveys/{survey['id']}/invitations"
    emails = [f"{uuid.uuid4().hex[:10]}@example.org" for _ in range(count)]
    await admin.post(url, json={"people": [{"email": e} for e in emails], "dry_run": False})
    listed = (await admin.get(url + "?limit=200")).json()["items"]
    by_email = {i["email"]: i["url"].rsplit("/", 1)[1] for i in listed}
    return [by_email[e] for e in emails]


async def test_a_response_says_which_version_its_answers_are_on(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    survey = await open_survey(admin)
    [token] = await invite(admin, survey)
    url = f"/v1/responses/{token}"
    fresh = (await anonymous.get(url)).json()
    assert (fresh["version"], fresh["answered_version"]) == (1, None)
    await anonymous.put(url, json={"answers": {"staff": 3}})
    sections = (await admin.get(f"/v1/surveys/{survey['id']}/definition")).json()["sections"]
    sections[0]["questions"][1]["label"] = {"fr": "Salariés permanents (ETP)"}
    second = await admin.post(f"/v1/surveys/{survey['id']}/versions", json={"sections": sections})
    assert second.status_code == 201, second.text
    moved_on = (await anonymous.get(url)).json()
    assert (moved_on["version"], moved_on["answered_version"]) == (2, 1)
    await anonymous.put(url, json={"answers": {"staff": 4}})
    assert (await anonymous.get(url)).json()["answered_version"] == 2


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
    # What no link can be is the same 404, read by the API or as the page: a NUL reached
    # PostgreSQL, which refused it (a 500), and so did the public link's.
    for odd in ("%00", "a%00b", "x" * 300, "%C3%A9t%C3%A9"):
        api = await anonymous.get(f"/v1/responses/{odd}")
        assert api.status_code == 404, odd
        assert strip(api) == strip(unknown)
        for page in (f"/p/surveys/{odd}", f"/p/surveys/s/{odd}"):
            answer = await anonymous.get(page)
            assert answer.status_code == 404, page
            assert answer.headers["content-type"].startswith("text/html"), page
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


async def test_a_double_click_submits_once_and_never_fails(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    """Two submissions through one link at once (a double click, or two tabs): the second
    waits for the first's lock on the invitation and must then see the response the first
    wrote, not the one from before it waited (PostgreSQL's READ COMMITTED keeps a locking
    read's snapshot for the rows it joins)."""
    survey = await open_survey(admin, allow_edit_after_submit=True)
    tokens = await invite(admin, survey, count=6)
    for token in tokens:
        url = f"/v1/responses/{token}"
        assert (await anonymous.put(url, json={"answers": {"staff": 2}})).status_code == 200
        answers = await asyncio.gather(
            *(anonymous.post(f"{url}/submit", json={"answers": FULL}) for _ in range(3))
        )
        assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    results = (await admin.get(f"/v1/surveys/{survey['id']}/results")).json()
    assert results["respondents"] == len(tokens)


async def test_an_anonymous_answer_cannot_be_linked_to_the_invitation_used(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, app: FastAPI, nats_server: NatsServer
) -> None:
    """Staff hold the invitations (tokens, addresses, times), the database and the service's
    secret, the exports and the events: none of it leads to whose answers are whose."""
    survey = await open_survey(admin, anonymous=True, allow_edit_after_submit=True)
    survey_id = uuid.UUID(survey["id"])
    tokens = await invite(admin, survey, count=3)
    first, second, _ = (f"/v1/responses/{t}" for t in tokens)
    await anonymous.put(first, json={"answers": {"structure_type": "museum"}})
    reread = (await anonymous.get(first)).json()
    assert (reread["status"], reread["answers"]) == ("partial", {"structure_type": "museum"})
    listed = (await admin.get(f"/v1/surveys/{survey_id}/invitations")).json()["items"]
    # The invitation records only whether it was used: not that answering has begun.
    assert [i["status"] for i in listed] == ["invited"] * 3

    assert (await anonymous.post(f"{first}/submit", json={"answers": FULL})).status_code == 200
    assert (await anonymous.post(f"{second}/submit", json={"answers": FULL})).status_code == 200
    # The link no longer opens the answers (and does not change them: no edit, even if
    # the survey allows edits of named answers).
    after = (await anonymous.get(first)).json()
    assert (after["status"], after["answers"], after["editable"]) == ("submitted", {}, False)
    assert (await anonymous.put(first, json={"answers": {"staff": 4}})).status_code == 409

    secret = app.state.settings.common.identity_secret.get_secret_value()
    async with app.state.runtime.database.transaction() as session:
        rows = (
            await session.scalars(sa.select(Response).where(Response.survey_id == survey_id))
        ).all()
        invitations = (
            await session.scalars(sa.select(Invitation).where(Invitation.survey_id == survey_id))
        ).all()
        for token in tokens:  # the secret and the token find no submitted response
            assert (
                await response_repository.by_respondent_key(session, respondent_key(secret, token))
                is None
            )
    assert len(rows) == 2
    for row in rows:
        assert (row.invitation_id, row.actor_id, row.profile, row.respondent_key) == (None,) * 4
        for moment in (row.created_at, row.updated_at, row.submitted_at):
            assert moment is not None
            assert moment == anonymous_moment(moment), "an anonymous response keeps its day only"
    assert sorted(i.status for i in invitations) == ["invited", "submitted", "submitted"]
    for invitation in invitations:  # no moment of use either
        assert invitation.updated_at == invitation.created_at
    linkable = (
        {str(i.id) for i in invitations}
        | {i.token for i in invitations}
        | {str(i.email) for i in invitations}
    )

    client = await nats.connect(nats_server.url)
    events = []
    try:
        sub = await client.jetstream().subscribe(
            "surveys.response.submitted", ordered_consumer=True
        )
        while len(events) < 2:
            event = orjson.loads((await sub.next_msg(timeout=10)).data)
            if event["data"]["survey_id"] == survey["id"]:
                events.append(event)
    finally:
        await client.close()
    ids = {str(row.id) for row in rows}
    for event in events:
        assert (event["data"]["anonymous"], event["data"]["actor_id"]) == (True, None)
        assert "answers" not in event["data"]
        # The event's moment leads nowhere: its id is not a stored response's.
        assert event["data"]["id"] not in ids
        assert event["subject"] not in ids

    export = await admin.get(f"/v1/surveys/{survey_id}/responses.csv")
    assert export.status_code == 200, export.text
    lines = export.text.lstrip("\ufeff").splitlines()
    header = lines[0].split(";")
    assert "actor_id" not in header
    at = header.index("submitted_at")
    day = rows[0].submitted_at.astimezone(ZoneInfo("Europe/Paris")).date().isoformat()
    assert [line.split(";")[at] for line in lines[1:]] == [day, day]
    assert not [value for value in linkable if value in export.text]


async def plain_link(session: AsyncSession, token: str, key: str) -> dict[str, Any] | None:
    """What a token opens, read the plain way (whole ORM entities, one query each): what
    ``response_repository.link``'s one statement built once must give."""
    invitation = await session.scalar(sa.select(Invitation).where(Invitation.token == token))
    if invitation is None:
        return None
    survey = await session.get(Survey, invitation.survey_id)
    if survey is None or survey.deleted_at is not None:
        return None
    version_id = await session.scalar(
        sa.select(SurveyVersion.id).where(
            SurveyVersion.survey_id == survey.id, SurveyVersion.number == survey.current_version
        )
    )
    by = (
        Response.respondent_key == key
        if survey.anonymous
        else (Response.invitation_id == invitation.id)
    )
    response = await session.scalar(sa.select(Response).where(by))

    def columns(entity: Any, kind: type) -> dict[str, Any] | None:
        if entity is None:
            return None
        return {f.name: getattr(entity, f.name) for f in dataclasses.fields(kind)}

    return {
        "invitation": columns(invitation, LinkedInvitation),
        "survey": columns(survey, LinkedSurvey),
        "version_id": version_id,
        "response": columns(response, StoredResponse),
    }


async def test_the_link_statement_built_once_reads_what_the_plain_queries_read(
    admin: httpx.AsyncClient, anonymous: httpx.AsyncClient, app: FastAPI
) -> None:
    named = await open_survey(admin, allow_edit_after_submit=True)
    hidden = await open_survey(admin, anonymous=True)
    tokens = await invite(admin, named, count=3) + await invite(admin, hidden, count=3)
    # Every state a link can be in: untouched, partial, submitted, edited after submission.
    for token in (tokens[1], tokens[2], tokens[4], tokens[5]):
        saved = await anonymous.put(f"/v1/responses/{token}", json={"answers": {"staff": 2}})
        assert saved.status_code == 200, saved.text
    for token in (tokens[2], tokens[5]):
        sent = await anonymous.post(f"/v1/responses/{token}/submit", json={"answers": FULL})
        assert sent.status_code == 200, sent.text
    edited = await anonymous.put(f"/v1/responses/{tokens[2]}", json={"answers": {"staff": 7}})
    assert edited.status_code == 200, edited.text
    secret = app.state.settings.common.identity_secret.get_secret_value()
    states = []
    async with app.state.runtime.database.transaction(write=True) as session:
        for token in [*tokens, "no-such-token"]:
            key = respondent_key(secret, token)
            expected = await plain_link(session, token, key)
            for for_update in (False, True):
                link = await response_repository.link(
                    session, token, respondent_key=key, for_update=for_update
                )
                found = None if link is None else dataclasses.asdict(link)
                assert found == expected, (token, for_update)
            response = expected and expected["response"]
            states.append(response and (response["status"], response["answers"]["staff"]))
    # Every state was read (a submitted anonymous response is found by nothing any more).
    assert states == [None, ("partial", 2), ("submitted", 7), None, ("partial", 2), None, None]
