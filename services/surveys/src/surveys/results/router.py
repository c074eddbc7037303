"""HTTP routes of a survey's results: figures, crosstabs, publication, exports."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from kit.identity import CurrentIdentity, StaffIdentity
from kit.problems import InvalidInput
from kit.service import DbSession, runtime_of
from kit.sqltypes import INTEGER_MAX
from surveys.results import exports
from surveys.results.crosstab import ATTRIBUTES
from surveys.results.cuts import Filters, parse_values
from surveys.results.schemas import (
    Crosstab,
    ResultSettingsRead,
    ResultsPublish,
    SurveyResults,
)
from surveys.results.service import result_service

router = APIRouter(prefix="/v1/surveys", tags=["results"])

Text = Annotated[str | None, Query(max_length=500)]
View = Annotated[
    Literal["full", "public"],
    Query(description="Staff: `public` shows what everyone else sees (small cells withheld)."),
]
Version = Annotated[
    int | None, Query(ge=1, le=INTEGER_MAX, description="Only responses to this version.")
]


async def result_filters(
    circle: Text = None,
    type: Text = None,
    club: Text = None,
    theme: Text = None,
    department: Text = None,
    region: Text = None,
    member: Annotated[str | None, Query(description="true/false (staff only).")] = None,
    training: Annotated[
        str | None, Query(max_length=500, description="Training (event) ids: satisfaction.")
    ] = None,
    training_theme: Annotated[
        str | None, Query(max_length=500, description="The trainings' themes.")
    ] = None,
    year: Annotated[str | None, Query(max_length=100, description="The trainings' years.")] = None,
) -> Filters:
    """Actor attributes of the respondents kept, each a comma-separated list (any of)."""
    given = {
        "circle": circle,
        "type": type,
        "club": club,
        "theme": theme,
        "department": department,
        "region": region,
        "member": member,
        "training": training,
        "training_theme": training_theme,
        "year": year,
    }
    values = {}
    for name in ATTRIBUTES:
        raw = given.get(name)
        if raw is None:
            continue
        try:
            values[name] = parse_values(name, [raw])
        except ValueError as exc:
            raise InvalidInput(f"query.{name}", str(exc)) from exc
    return Filters(values)


ResultFilters = Annotated[Filters, Depends(result_filters)]


@router.get(
    "/{survey_id}/results",
    summary="Figures of every question (published results, or staff)",
    description=(
        "Counts and shares for choices (multiple choice: shares of respondents), mean, "
        "median and quartiles for numbers, distributions for scales, the NPS, matrix tables, "
        "mean ranks, mean splits, and the response rate. Anyone but staff reads only "
        "published results, where every figure of fewer than `k` respondents is null with "
        "`suppressed: true`, with secondary suppression so none can be recomputed from the "
        "totals. Free-text answers: staff only."
    ),
)
async def survey_results(
    survey_id: uuid.UUID,
    session: DbSession,
    identity: CurrentIdentity,
    filters: ResultFilters,
    version: Version = None,
    view: View = "full",
) -> SurveyResults:
    results = await result_service.results(
        session,
        survey_id=survey_id,
        identity=identity,
        filters=filters,
        version=version,
        as_public=view == "public",
    )
    return SurveyResults.model_validate(results)


@router.get(
    "/{survey_id}/crosstab",
    summary="One question by one or two actor attributes",
    description=(
        "`by`: one or two of circle, type, club, theme, department, region, member "
        "(member: staff only), and for a training's satisfaction survey training, "
        "training_theme, year. An actor with several types, clubs or themes (a training with "
        "several themes) counts in each. "
        "The same suppression as the results; the total row is the question's results."
    ),
)
async def survey_crosstab(
    survey_id: uuid.UUID,
    session: DbSession,
    identity: CurrentIdentity,
    filters: ResultFilters,
    question: Annotated[str, Query(max_length=50)],
    by: Annotated[str, Query(max_length=100)],
    version: Version = None,
    view: View = "full",
) -> Crosstab:
    table = await result_service.crosstab(
        session,
        survey_id=survey_id,
        identity=identity,
        question=question,
        by=[part.strip() for part in by.split(",") if part.strip()],
        filters=filters,
        version=version,
        as_public=view == "public",
    )
    return Crosstab.model_validate(table)


@router.get("/{survey_id}/results/settings", summary="Threshold and publication (staff)")
async def result_settings(
    survey_id: uuid.UUID, session: DbSession, identity: StaffIdentity
) -> ResultSettingsRead:
    return result_service.to_read(
        await result_service.settings(session, survey_id=survey_id, identity=identity)
    )


@router.post(
    "/{survey_id}/results/publish",
    summary="Publish the results to everyone, small cells withheld (staff)",
)
async def publish_results(
    survey_id: uuid.UUID,
    session: DbSession,
    identity: StaffIdentity,
    body: ResultsPublish | None = None,
) -> ResultSettingsRead:
    settings = await result_service.publish(
        session, survey_id=survey_id, identity=identity, k=body.k if body else None
    )
    return result_service.to_read(settings)


@router.delete(
    "/{survey_id}/results/publish", summary="Take the results back to staff only (staff)"
)
async def unpublish_results(
    survey_id: uuid.UUID, session: DbSession, identity: StaffIdentity
) -> ResultSettingsRead:
    settings = await result_service.unpublish(session, survey_id=survey_id, identity=identity)
    return result_service.to_read(settings)


@router.get(
    "/{survey_id}/responses.csv",
    summary="Every response, one row each (staff)",
    description=(
        "One column per question, or per choice, row or item where a question has several; "
        "the respondent's actor attributes as columns (not for anonymous surveys). UTF-8 "
        "with BOM and `;` for Excel, formula-like cells neutralised, streamed. "
        "`labels=true` writes choice labels instead of codes."
    ),
    response_class=StreamingResponse,
)
async def responses_csv(
    survey_id: uuid.UUID,
    request: Request,
    session: DbSession,
    identity: StaffIdentity,
    labels: bool = False,
    language: Literal["fr", "en"] = "fr",
) -> Response:
    layout = await exports.layout_for(session, survey_id=survey_id, identity=identity)
    database = runtime_of(request).database
    return StreamingResponse(
        exports.csv_lines(database, layout, labels=labels, language=language),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="responses-{survey_id}.csv"'},
    )


@router.get(
    "/{survey_id}/responses.xlsx",
    summary="Every response as a spreadsheet, with a codebook sheet (staff)",
    response_class=Response,
)
async def responses_xlsx(
    survey_id: uuid.UUID,
    request: Request,
    session: DbSession,
    identity: StaffIdentity,
    labels: bool = False,
    language: Literal["fr", "en"] = "fr",
) -> Response:
    layout = await exports.layout_for(session, survey_id=survey_id, identity=identity)
    content = await exports.xlsx_bytes(
        runtime_of(request).database, layout, labels=labels, language=language
    )
    return Response(
        content,
        media_type=exports.XLSX_TYPE,
        headers={"Content-Disposition": f'attachment; filename="responses-{survey_id}.xlsx"'},
    )
