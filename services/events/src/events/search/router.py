"""HTTP routes of the calendar's lists, /v1/events with the same filters in four forms: the JSON
list (or JSON-LD), iCalendar, RSS and Atom. Thin handlers over event_search_service.

Registered before the routes of one event (agenda/router.py), so that ``/v1/events.ics`` and
the like are never read as an event id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from contracts.events import EventRead
from events.agenda import jsonld
from events.agenda.filters import EventFilters, event_filters
from events.search import syndication
from events.search.params import facet_params, updated_since_param
from events.search.schemas import EventListPage
from events.search.service import event_search_service
from kit import ical
from kit.etags import none_match
from kit.identity import CurrentIdentity
from kit.paging import PageParams, page_params
from kit.service import DbSession, public_origin, runtime_of

router = APIRouter(prefix="/v1/events", tags=["events"])
Paging = Annotated[PageParams, Depends(page_params)]
Filters = Annotated[EventFilters, Depends(event_filters)]
FEED_LIMIT_DEFAULT = 50
FEED_LIMIT_MAX = 200
FeedLimit = Annotated[
    int,
    Query(ge=1, le=FEED_LIMIT_MAX, description="How many of the latest changed events."),
]


@router.get(
    "",
    summary="Search and list events by start date (published ones for the public)",
    description=(
        "Full text (`q`), date, territory, map (`near`, `bbox`), accessibility and age "
        "filters; facet counts (`facets`); cursor-paginated. With `updated_since`: the "
        "changes since then, by change time, with tombstones, for partners who sync. "
        "With `Accept: application/ld+json`, the page as a schema.org ItemList of Events "
        "(same filters and paging; tombstones and facets left out), the next page in a "
        '`Link: <...>; rel="next"` header.'
    ),
    response_model=EventListPage,
    responses={200: {"content": {jsonld.MEDIA_TYPE: {}}}},
)
async def list_events(
    request: Request,
    session: DbSession,
    identity: CurrentIdentity,
    paging: Paging,
    filters: Filters,
    facets: Annotated[tuple[str, ...], Depends(facet_params)],
    updated_since: Annotated[datetime | None, Depends(updated_since_param)],
    response: Response,
    accept: Annotated[str | None, Header()] = None,
) -> EventListPage | JSONResponse:
    as_jsonld = jsonld.wants_jsonld(accept)
    page = await event_search_service.list_page(
        session,
        identity=identity,
        paging=paging,
        filters=filters,
        facets=() if as_jsonld else facets,
        updated_since=updated_since,
        database=runtime_of(request).database,
    )
    if not as_jsonld:
        response.headers["Vary"] = "Accept"
        return page
    headers = {"Vary": "Accept"}
    if page.next is not None:
        query = request.url.include_query_params(after=page.next).query
        headers["Link"] = f'<{request.url.path}?{query}>; rel="next"'
    events = [item for item in page.items if isinstance(item, EventRead)]
    return JSONResponse(jsonld.item_list(events), media_type=jsonld.MEDIA_TYPE, headers=headers)


@router.get(
    ".ics",
    summary="The published calendar as iCalendar (RFC 5545), streamed; same filters as the list",
    description="Send If-None-Match with the ETag you got: 304 while nothing changed.",
    response_class=StreamingResponse,
    responses=ical.OPENAPI_RESPONSE,
)
async def calendar_feed(
    request: Request,
    session: DbSession,
    filters: Filters,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    settings = request.app.state.settings
    etag = await event_search_service.ics_feed_etag(
        session, name=settings.ics_calendar_name, filters=filters
    )
    if none_match(etag, if_none_match):
        return Response(status_code=304, headers={"ETag": etag})
    feed = event_search_service.ics_feed(
        runtime_of(request).database,
        name=settings.ics_calendar_name,
        batch_size=settings.ics_batch_size,
        filters=filters,
    )
    return StreamingResponse(
        feed,
        media_type=ical.MEDIA_TYPE,
        headers={"Content-Disposition": 'inline; filename="maillage.ics"', "ETag": etag},
    )


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
    base = public_origin(request)
    query = request.url.query
    info = syndication.FeedInfo(
        title=request.app.state.settings.ics_calendar_name,
        self_url=f"{base}{request.url.path}" + (f"?{query}" if query else ""),
        list_url=f"{base}/v1/events" + (f"?{query}" if query else ""),
        event_url=base + "/v1/events/{id}",
    )
    etag, body = await event_search_service.syndication_feed(
        session,
        info=info,
        cache_key=str(request.url),
        filters=filters,
        limit=limit,
        render=render,
        if_none_match=if_none_match,
    )
    if body is None:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type=media_type, headers={"ETag": etag})


@router.get(
    ".rss",
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
    ".atom",
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
