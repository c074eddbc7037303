"""HTTP routes of /v1/indicators: definitions, values across waves, CSV, panel."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response, status

from kit.etags import etag_for
from kit.identity import CurrentIdentity, StaffIdentity
from kit.paging import Page, PageParams, build_page, decode_time_id_cursor, page_params, time_id_key
from kit.service import DbSession
from surveys.indicators.exports import series_csv
from surveys.indicators.schemas import (
    IndicatorCreate,
    IndicatorPanel,
    IndicatorRead,
    IndicatorUpdate,
    IndicatorValues,
)
from surveys.indicators.service import indicator_service

router = APIRouter(prefix="/v1/indicators", tags=["indicators"])
Paging = Annotated[PageParams, Depends(page_params)]
By = Annotated[
    str | None,
    Query(
        max_length=20,
        description="Values per cut too: circle, type, club, theme, region…; for a training's "
        "satisfaction survey, training, training_theme or year.",
    ),
]
IfMatch = Annotated[
    str | None, Header(description="ETag from a previous read; 412 if the indicator changed since.")
]
View = Annotated[
    Literal["full", "public"],
    Query(description="Staff: `public` shows what everyone else sees (small cells withheld)."),
]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Define an indicator (staff)")
async def create_indicator(
    body: IndicatorCreate, session: DbSession, identity: StaffIdentity, response: Response
) -> IndicatorRead:
    indicator = await indicator_service.create(session, data=body, identity=identity)
    response.headers["Location"] = f"/v1/indicators/{indicator.id}"
    response.headers["ETag"] = etag_for(indicator.version)
    return indicator_service.to_read(indicator)


@router.get("", summary="List indicators (public ones for everyone but staff)")
async def list_indicators(
    session: DbSession,
    identity: CurrentIdentity,
    paging: Paging,
    series: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[IndicatorRead]:
    rows = await indicator_service.list_page(
        session,
        identity=identity,
        series=series,
        after=decode_time_id_cursor(paging.after),
        limit=paging.limit + 1,
    )
    items, next_cursor = build_page(rows, paging, key=lambda i: time_id_key(i.created_at, i.id))
    return Page(items=[indicator_service.to_read(i) for i in items], next=next_cursor)


@router.patch("/{indicator_id}", summary="Change an indicator (staff)")
async def update_indicator(
    indicator_id: uuid.UUID,
    body: IndicatorUpdate,
    session: DbSession,
    identity: StaffIdentity,
    response: Response,
    if_match: IfMatch = None,
) -> IndicatorRead:
    indicator = await indicator_service.update(
        session, indicator_id=indicator_id, data=body, identity=identity, if_match=if_match
    )
    response.headers["ETag"] = etag_for(indicator.version)
    return indicator_service.to_read(indicator)


@router.delete(
    "/{indicator_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an indicator (staff)",
)
async def delete_indicator(
    indicator_id: uuid.UUID, session: DbSession, identity: StaffIdentity, if_match: IfMatch = None
) -> None:
    await indicator_service.delete(
        session, indicator_id=indicator_id, identity=identity, if_match=if_match
    )


async def _values(
    session: DbSession,
    identity: CurrentIdentity,
    indicator_id: uuid.UUID,
    by: str | None,
    view: str,
) -> IndicatorValues:
    indicator = await indicator_service.get(session, indicator_id=indicator_id, identity=identity)
    waves = await indicator_service.values(
        session, indicator=indicator, identity=identity, by=by, as_public=view == "public"
    )
    return IndicatorValues.model_validate(
        {**indicator_service.to_read(indicator).model_dump(), "by": by, "waves": waves}
    )


# Before /{indicator_id}, which would take "….csv" for an id.
@router.get(
    "/{indicator_id}.csv",
    summary="An indicator's series as CSV (UTF-8 with BOM, `;`)",
    response_class=Response,
)
async def indicator_csv(
    indicator_id: uuid.UUID,
    session: DbSession,
    identity: CurrentIdentity,
    by: By = None,
    view: View = "full",
) -> Response:
    values = await _values(session, identity, indicator_id, by, view)
    return Response(
        series_csv(values, by=by),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="indicator-{indicator_id}.csv"'},
    )


@router.get(
    "/{indicator_id}",
    summary="An indicator's value per wave (and per cut with `by`)",
    description=(
        "Everyone but staff reads public indicators over the waves whose results are "
        "published; figures of fewer than the survey's `k` respondents are null with "
        "`suppressed: true`."
    ),
)
async def indicator_values(
    indicator_id: uuid.UUID,
    session: DbSession,
    identity: CurrentIdentity,
    response: Response,
    by: By = None,
    view: View = "full",
) -> IndicatorValues:
    values = await _values(session, identity, indicator_id, by, view)
    # The definition's version, for If-Match on PATCH and DELETE (values follow the waves).
    response.headers["ETag"] = etag_for(values.version)
    return values


@router.get(
    "/{indicator_id}/panel",
    summary="Actors who answered two waves and how their answer moved (staff)",
)
async def indicator_panel(
    indicator_id: uuid.UUID, session: DbSession, identity: StaffIdentity
) -> IndicatorPanel:
    indicator = await indicator_service.get(session, indicator_id=indicator_id, identity=identity)
    steps = await indicator_service.panel(session, indicator=indicator, identity=identity)
    return IndicatorPanel.model_validate({"indicator_id": indicator.id, "steps": steps})
