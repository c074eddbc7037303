"""HTTP routes of /v1/responses: answering through a personal link's token (no key needed)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from kit.service import DbSession
from surveys.dependencies import LinkSecret as Secret
from surveys.responses.schemas import ResponseRead, ResponseSave
from surveys.responses.service import response_service

router = APIRouter(prefix="/v1/responses", tags=["responses"])
SurveyId = Annotated[
    uuid.UUID | None,
    Query(description="The survey the link should belong to: another survey's link is a 404."),
]


@router.get("/{token}", summary="The survey and the answers so far, through a personal link")
async def read_response(
    token: str, session: DbSession, secret: Secret, survey_id: SurveyId = None
) -> ResponseRead:
    answering = await response_service.open(
        session, token=token, secret=secret, survey_id=survey_id
    )
    return response_service.read(answering)


@router.put(
    "/{token}",
    summary="Save answers (merged with those stored; a partial response)",
    description="Each answer is checked by its question's type and bounds; a 422 names every "
    "question at fault. Answers to questions their conditions hide are not kept. A closed "
    "survey is a 409.",
)
async def save_response(
    token: str, body: ResponseSave, session: DbSession, secret: Secret, survey_id: SurveyId = None
) -> ResponseRead:
    answering = await response_service.save(
        session, token=token, data=body, secret=secret, survey_id=survey_id
    )
    return response_service.read(answering)


@router.post(
    "/{token}/submit",
    summary="Submit: every shown required question answered, every answer valid",
)
async def submit_response(
    token: str,
    session: DbSession,
    secret: Secret,
    body: ResponseSave | None = None,
    survey_id: SurveyId = None,
) -> ResponseRead:
    answering = await response_service.save(
        session,
        token=token,
        data=body or ResponseSave(),
        secret=secret,
        survey_id=survey_id,
        submit=True,
    )
    return response_service.read(answering)
