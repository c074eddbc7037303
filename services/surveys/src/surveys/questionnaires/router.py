"""HTTP routes of /v1/surveys: questionnaires, their lifecycle and versions."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status

from contracts.vocabularies import SurveyStatus
from kit.etags import etag_for
from kit.identity import CurrentIdentity, StaffIdentity
from kit.paging import Page, PageParams, build_page, decode_time_id_cursor, page_params, time_id_key
from kit.problems import InvalidInput
from kit.service import DbSession
from kit.sqltypes import INTEGER_MAX
from surveys.dependencies import PublicUrl
from surveys.questionnaires.models import Survey
from surveys.questionnaires.schemas import (
    SurveyCreate,
    SurveyDefinition,
    SurveyRead,
    SurveyUpdate,
    VersionCreate,
    VersionRead,
)
from surveys.questionnaires.service import survey_service

router = APIRouter(prefix="/v1/surveys", tags=["surveys"])
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Paging = Annotated[PageParams, Depends(page_params)]
IfMatch = Annotated[
    str | None, Header(description="ETag from a previous read; 412 if the survey changed since.")
]


def _answer(survey: Survey, response: Response, base: str) -> SurveyRead:
    response.headers["ETag"] = etag_for(survey.version)
    return survey_service.to_read(survey, public_url=base)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a draft survey (network staff)",
)
async def create_survey(
    body: SurveyCreate,
    session: DbSession,
    identity: StaffIdentity,
    response: Response,
    base: PublicUrl,
) -> SurveyRead:
    survey = await survey_service.create(session, data=body, identity=identity)
    response.headers["Location"] = f"/v1/surveys/{survey.id}"
    return _answer(survey, response, base)


_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/SurveyCreate"}},
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


@router.post(
    "/import",
    status_code=status.HTTP_201_CREATED,
    summary="Create a draft from an exported definition (JSON) or an XLSForm (staff)",
    description=(
        "`format=json` (default) takes what `GET /v1/surveys/{id}/definition` gives. "
        "`format=xlsform` takes an XLSForm workbook as the body or as a multipart `file` "
        "field; whatever it cannot take is a 422 naming sheet, row and column, and nothing "
        "is created."
    ),
    openapi_extra=_IMPORT_BODY,
)
async def import_survey(
    request: Request,
    session: DbSession,
    identity: StaffIdentity,
    response: Response,
    base: PublicUrl,
    format: Annotated[Literal["json", "xlsform"], Query()] = "json",
) -> SurveyRead:
    content = await _uploaded(request)
    if format == "xlsform":
        survey = await survey_service.import_xlsform(session, content=content, identity=identity)
    else:
        try:
            document = orjson.loads(content)
        except orjson.JSONDecodeError as exc:
            raise InvalidInput("body", f"not JSON: {exc}") from exc
        survey = await survey_service.import_definition(
            session, document=document, identity=identity
        )
    response.headers["Location"] = f"/v1/surveys/{survey.id}"
    return _answer(survey, response, base)


async def _uploaded(request: Request) -> bytes:
    """The body, or the ``file`` field of a multipart form."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form() as form:
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise InvalidInput("file", "a multipart upload needs a file field")
            return await upload.read()
    return await request.body()


@router.get("", summary="List surveys (drafts for staff only)")
async def list_surveys(
    session: DbSession,
    identity: CurrentIdentity,
    paging: Paging,
    base: PublicUrl,
    series: Annotated[str | None, Query(max_length=100, description="One series' waves.")] = None,
    status: SurveyStatus | None = None,
) -> Page[SurveyRead]:
    after = decode_time_id_cursor(paging.after)
    rows = await survey_service.list_page(
        session,
        identity=identity,
        after=after,
        limit=paging.limit + 1,
        series=series,
        status=status,
    )
    surveys, next_cursor = build_page(rows, paging, key=lambda s: time_id_key(s.created_at, s.id))
    return Page(
        items=[survey_service.to_read(s, public_url=base) for s in surveys], next=next_cursor
    )


@router.get("/{survey_id}", summary="Read a survey")
async def get_survey(
    survey_id: uuid.UUID,
    session: DbSession,
    identity: CurrentIdentity,
    response: Response,
    base: PublicUrl,
) -> SurveyRead:
    survey = await survey_service.get(session, survey_id=survey_id, identity=identity)
    return _answer(survey, response, base)


@router.patch(
    "/{survey_id}",
    summary="Change a survey (staff; the questionnaire only while draft, 409 once published)",
)
async def update_survey(
    survey_id: uuid.UUID,
    body: SurveyUpdate,
    session: DbSession,
    identity: StaffIdentity,
    response: Response,
    base: PublicUrl,
    if_match: IfMatch = None,
) -> SurveyRead:
    survey = await survey_service.update(session, survey_id=survey_id, data=body, if_match=if_match)
    return _answer(survey, response, base)


@router.delete(
    "/{survey_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a draft or archived survey (staff)",
)
async def delete_survey(
    survey_id: uuid.UUID, session: DbSession, identity: StaffIdentity, if_match: IfMatch = None
) -> None:
    await survey_service.delete(session, survey_id=survey_id, if_match=if_match)


@router.post(
    "/{survey_id}/publish",
    summary="Publish a draft: freeze its questionnaire as version 1 and open it (staff)",
)
async def publish_survey(
    survey_id: uuid.UUID,
    session: DbSession,
    identity: StaffIdentity,
    response: Response,
    base: PublicUrl,
) -> SurveyRead:
    survey = await survey_service.publish(session, survey_id=survey_id, identity=identity)
    return _answer(survey, response, base)


@router.post("/{survey_id}/close", summary="Close an open survey (staff)")
async def close_survey(
    survey_id: uuid.UUID,
    session: DbSession,
    identity: StaffIdentity,
    response: Response,
    base: PublicUrl,
) -> SurveyRead:
    survey = await survey_service.close(session, survey_id=survey_id)
    return _answer(survey, response, base)


@router.post("/{survey_id}/archive", summary="Archive a closed survey (staff)")
async def archive_survey(
    survey_id: uuid.UUID,
    session: DbSession,
    identity: StaffIdentity,
    response: Response,
    base: PublicUrl,
) -> SurveyRead:
    survey = await survey_service.archive(session, survey_id=survey_id)
    return _answer(survey, response, base)


@router.post(
    "/{survey_id}/versions",
    status_code=status.HTTP_201_CREATED,
    summary="Publish the next version of an open survey's questionnaire (staff)",
)
async def create_version(
    survey_id: uuid.UUID,
    body: VersionCreate,
    session: DbSession,
    identity: StaffIdentity,
    response: Response,
    base: PublicUrl,
) -> SurveyRead:
    survey = await survey_service.new_version(
        session, survey_id=survey_id, data=body, identity=identity
    )
    response.headers["Location"] = f"/v1/surveys/{survey.id}/versions/{survey.current_version}"
    return _answer(survey, response, base)


@router.get("/{survey_id}/versions", summary="The published versions of a survey")
async def list_versions(
    survey_id: uuid.UUID, session: DbSession, identity: CurrentIdentity
) -> list[VersionRead]:
    survey = await survey_service.get(session, survey_id=survey_id, identity=identity)
    return [
        VersionRead(
            survey_id=v.survey_id,
            number=v.number,
            published_at=v.published_at,
            definition=SurveyDefinition.model_validate(v.definition),
        )
        for v in await survey_service.versions(session, survey=survey)
    ]


@router.get("/{survey_id}/versions/{number}", summary="One published version, frozen")
async def get_version(
    survey_id: uuid.UUID,
    number: Annotated[int, Path(ge=1, le=INTEGER_MAX)],
    session: DbSession,
    identity: CurrentIdentity,
) -> VersionRead:
    survey = await survey_service.get(session, survey_id=survey_id, identity=identity)
    version = await survey_service.version_of(session, survey=survey, number=number)
    return VersionRead(
        survey_id=version.survey_id,
        number=version.number,
        published_at=version.published_at,
        definition=SurveyDefinition.model_validate(version.definition),
    )


@router.get(
    "/{survey_id}/definition",
    summary="Export the questionnaire as JSON (what POST /v1/surveys/import takes back)",
)
async def export_definition(
    survey_id: uuid.UUID,
    session: DbSession,
    identity: CurrentIdentity,
    version: Annotated[
        int | None,
        Query(ge=1, le=INTEGER_MAX, description="A published version (default: the working one)."),
    ] = None,
) -> SurveyDefinition:
    survey = await survey_service.get(session, survey_id=survey_id, identity=identity)
    if version is None:
        return survey_service.definition_of(survey)
    frozen = await survey_service.version_of(session, survey=survey, number=version)
    return SurveyDefinition.model_validate(frozen.definition)
