"""iCalendar feeds of the calendar: the whole published calendar and one event.

Declared before the event routes, so that ``/v1/events/{id}.ics`` is never read as an event id.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import StreamingResponse

from events.agenda.filters import EventFilters, event_filters
from events.agenda.service import event_service
from kit.identity import CurrentIdentity
from kit.service import DbSession, runtime_of

router = APIRouter(tags=["events"])

ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"
_ICS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {}}, "description": "RFC 5545 iCalendar"}
}


@router.get(
    "/v1/events.ics",
    summary="The published calendar as iCalendar (RFC 5545), streamed; same filters as the list",
    description="Send If-None-Match with the ETag you got: 304 while nothing changed.",
    response_class=StreamingResponse,
    responses=_ICS_RESPONSE,
)
async def calendar_feed(
    request: Request,
    session: DbSession,
    filters: Annotated[EventFilters, Depends(event_filters)],
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    settings = request.app.state.settings
    etag = await event_service.ics_feed_etag(
        session, name=settings.ics_calendar_name, filters=filters
    )
    if if_none_match and etag in {
        tag.strip().removeprefix("W/") for tag in if_none_match.split(",")
    }:
        return Response(status_code=304, headers={"ETag": etag})
    feed = event_service.ics_feed(
        runtime_of(request).database,
        name=settings.ics_calendar_name,
        batch_size=settings.ics_batch_size,
        filters=filters,
    )
    return StreamingResponse(
        feed,
        media_type=ICS_MEDIA_TYPE,
        headers={"Content-Disposition": 'inline; filename="maillage.ics"', "ETag": etag},
    )


@router.get(
    "/v1/events/{event_id}.ics",
    summary="One event as iCalendar (RFC 5545): one VEVENT per timing",
    response_class=Response,
    responses=_ICS_RESPONSE,
)
async def event_calendar(
    event_id: uuid.UUID, session: DbSession, identity: CurrentIdentity
) -> Response:
    body = await event_service.ics_event(session, event_id=event_id, identity=identity)
    return Response(
        body,
        media_type=ICS_MEDIA_TYPE,
        headers={"Content-Disposition": f'inline; filename="{event_id}.ics"'},
    )
