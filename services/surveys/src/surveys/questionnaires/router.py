"""HTTP routes of /v1/surveys."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from kit.etags import etag_for
from kit.identity import CurrentIdentity, StaffIdentity
from kit.paging import Page, PageParams, build_page, decode_time_id_cursor, page_params, time_id_key
from kit.service import DbSession
from surveys.questionnaires.schemas import SurveyCreate, SurveyRead
from surveys.questionnaires.service import survey_service

router = APIRouter(prefix="/v1/surveys", tags=["surveys"])
Paging = Annotated[PageParams, Depends(page_params)]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Create a survey (network staff)")
async def create_survey(
    body: SurveyCreate, session: DbSession, identity: StaffIdentity, response: Response
) -> SurveyRead:
    survey = await survey_service.create(session, data=body, identity=identity)
    response.headers["ETag"] = etag_for(survey.version)
    response.headers["Location"] = f"/v1/surveys/{survey.id}"
    return survey_service.to_read(survey)


@router.get("", summary="List surveys (drafts for staff only)")
async def list_surveys(
    session: DbSession, identity: CurrentIdentity, paging: Paging
) -> Page[SurveyRead]:
    after = decode_time_id_cursor(paging.after)
    rows = await survey_service.list_page(
        session, identity=identity, after=after, limit=paging.limit + 1
    )
    surveys, next_cursor = build_page(rows, paging, key=lambda s: time_id_key(s.created_at, s.id))
    return Page(items=[survey_service.to_read(s) for s in surveys], next=next_cursor)


@router.get("/{survey_id}", summary="Read a survey")
async def get_survey(
    survey_id: uuid.UUID, session: DbSession, identity: CurrentIdentity, response: Response
) -> SurveyRead:
    survey = await survey_service.get(session, survey_id=survey_id, identity=identity)
    response.headers["ETag"] = etag_for(survey.version)
    return survey_service.to_read(survey)
