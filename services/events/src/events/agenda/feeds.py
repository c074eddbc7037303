"""Feeds of the calendar: iCalendar (the whole published calendar and one event), RSS, Atom.

Declared before the event routes, so that ``/v1/events/{id}.ics`` is never read as an event id.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse

from events.agenda.filters import EventFilters, event_filters
from events.agenda.repository import event_repository
from events.agenda.service import _visible_states, event_service
from events.organizers.repository import known_actor_repository
from events.search import syndication
from kit.identity import CurrentIdentity
from kit.models import utcnow
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


FEED_LIMIT_DEFAULT = 50
FEED_LIMIT_MAX = 200
#: Bump when the RSS or Atom output changes for the same data.
SYNDICATION_FORMAT_VERSION = 1
FeedLimit = Annotated[
    int,
    Query(ge=1, le=FEED_LIMIT_MAX, description="How many of the latest changed events."),
]
Filters = Annotated[EventFilters, Depends(event_filters)]


def _public_base(request: Request) -> str:
    """The public origin the caller used: the gateway passes it as X-Forwarded-Host/Proto."""
    host = request.headers.get("x-forwarded-host")
    if host:
        proto = request.headers.get("x-forwarded-proto", "https").split(",")[0].strip()
        return f"{proto}://{host.split(',')[0].strip()}"
    return str(request.base_url).rstrip("/")


async def _syndicated(
    request: Request,
    session: DbSession,
    filters: EventFilters,
    limit: int,
    if_none_match: str | None,
    *,
    media_type: str,
    render: syndication.Renderer,
) -> Response:
    """A feed of the latest changed published events matching ``filters``, newest first."""
    states = _visible_states(filters, staff=False)  # a feed is public, whoever asks
    count, latest = await event_repository.fingerprint(session, states=states, filters=filters)
    actors = await known_actor_repository.fingerprint(session)
    seed = f"{SYNDICATION_FORMAT_VERSION}|{request.url}|{count}|{latest}|{actors}"
    etag = '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'
    if if_none_match and etag in {
        tag.strip().removeprefix("W/") for tag in if_none_match.split(",")
    }:
        return Response(status_code=304, headers={"ETag": etag})
    events = await event_repository.newest(session, states=states, filters=filters, limit=limit)
    names = await event_service.organizer_names(session, events)
    base = _public_base(request)
    query = request.url.query
    info = syndication.FeedInfo(
        title=request.app.state.settings.ics_calendar_name,
        self_url=f"{base}{request.url.path}" + (f"?{query}" if query else ""),
        list_url=f"{base}/v1/events" + (f"?{query}" if query else ""),
        event_url=base + "/v1/events/{id}",
    )
    return Response(
        render(info, events, names, utcnow()), media_type=media_type, headers={"ETag": etag}
    )


@router.get(
    "/v1/events.rss",
    summary="The latest published events as RSS 2.0, newest first; same filters as the list",
    description="Send If-None-Match with the ETag you got: 304 while nothing changed.",
    response_class=Response,
    responses={200: {"content": {"application/rss+xml": {}}, "description": "RSS 2.0"}},
)
async def rss_feed(
    request: Request,
    session: DbSession,
    filters: Filters,
    limit: FeedLimit = FEED_LIMIT_DEFAULT,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    return await _syndicated(
        request,
        session,
        filters,
        limit,
        if_none_match,
        media_type=syndication.RSS_MEDIA_TYPE,
        render=syndication.rss,
    )


@router.get(
    "/v1/events.atom",
    summary="The latest published events as Atom (RFC 4287), newest first; same filters",
    description="Send If-None-Match with the ETag you got: 304 while nothing changed.",
    response_class=Response,
    responses={200: {"content": {"application/atom+xml": {}}, "description": "Atom"}},
)
async def atom_feed(
    request: Request,
    session: DbSession,
    filters: Filters,
    limit: FeedLimit = FEED_LIMIT_DEFAULT,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    return await _syndicated(
        request,
        session,
        filters,
        limit,
        if_none_match,
        media_type=syndication.ATOM_MEDIA_TYPE,
        render=syndication.atom,
    )
