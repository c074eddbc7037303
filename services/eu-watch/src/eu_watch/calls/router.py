"""HTTP routes of /v1/calls."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from eu_watch.actors.dependencies import actor_heard_of
from eu_watch.calls import feeds
from eu_watch.calls.filters import (
    CallFilters,
    Sort,
    call_filters,
    facet_params,
    updated_since_param,
)
from eu_watch.calls.schemas import CallCreate, CallListPage, CallRead
from eu_watch.calls.service import call_service
from eu_watch.matching.service import matching_service
from kit import ical
from kit.etags import etag_for
from kit.identity import CurrentIdentity, StaffIdentity
from kit.models import utcnow
from kit.paging import PageParams, page_params
from kit.problems import Unauthenticated
from kit.service import DbSession, public_origin, runtime_of

router = APIRouter(prefix="/v1/calls", tags=["calls"])
#: /v1/calls.ics and /v1/calls.rss: the feeds sit beside the collection they export.
feeds_router = APIRouter(prefix="/v1", tags=["calls"])
Paging = Annotated[PageParams, Depends(page_params)]
Filters = Annotated[CallFilters, Depends(call_filters)]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Add a call to watch (network staff)")
async def create_call(
    body: CallCreate, session: DbSession, identity: StaffIdentity, response: Response
) -> CallRead:
    call = await call_service.create(session, data=body, identity=identity)
    response.headers["ETag"] = etag_for(call.version)
    response.headers["Location"] = f"/v1/calls/{call.id}"
    return call_service.to_read(call)


@router.get(
    "",
    summary="Search the watched calls",
    description="Full text in English and French (`q`), filters, facet counts (`facets`),"
    " sorted by last deadline (default), by update (`sort=updated`) or by relevance to `q`;"
    " cursor-paginated. With `updated_since`: the changes since then, oldest first, with"
    " tombstones for removed calls, for partners who sync. With `for_actor`, an actor created"
    " a moment ago is waited for (up to `MAILLAGE_EU_WATCH_ACTOR_WAIT_SECONDS`, 2 s).",
    dependencies=[Depends(actor_heard_of("for_actor"))],
)
async def list_calls(
    request: Request,
    session: DbSession,
    paging: Paging,
    filters: Filters,
    facets: Annotated[tuple[str, ...], Depends(facet_params)],
    updated_since: Annotated[datetime | None, Depends(updated_since_param)],
    identity: CurrentIdentity,
    sort: Annotated[Sort, Query(description="deadline, updated or relevance (needs q).")] = (
        "deadline"
    ),
    for_actor: Annotated[
        uuid.UUID | None,
        Query(
            description="A member's calls, best first, each with its score and reasons (staff,"
            " or a member key for its own actor); the forthcoming and open ones unless `status`"
            " asks for others."
        ),
    ] = None,
) -> CallListPage:
    if for_actor is not None:
        if identity.is_anonymous:
            raise Unauthenticated("for_actor needs an API key (Authorization: Bearer <key>).")
        return await matching_service.calls_for_actor(
            session, actor_id=for_actor, identity=identity, filters=filters, paging=paging
        )
    counting = (
        asyncio.ensure_future(
            call_service.count_facets(runtime_of(request).database, filters=filters, facets=facets)
        )
        if facets
        else None
    )
    try:
        page = await call_service.search(
            session, filters=filters, paging=paging, sort=sort, updated_since=updated_since
        )
    except BaseException:
        if counting is not None:
            counting.cancel()
            await asyncio.gather(counting, return_exceptions=True)
        raise
    if counting is not None:
        page.facets = await counting
    return page


@router.get("/{call_id}", summary="Read a call, with the reasons for its themes")
async def get_call(call_id: uuid.UUID, session: DbSession, response: Response) -> CallRead:
    call = await call_service.get(session, call_id=call_id)
    response.headers["ETag"] = etag_for(call.version)
    return call_service.to_read(call)


@router.delete(
    "/{call_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a call (network staff); partners who sync get a tombstone",
)
async def delete_call(call_id: uuid.UUID, session: DbSession, identity: StaffIdentity) -> None:
    await call_service.delete(session, call_id=call_id)


# -- feeds ----------------------------------------------------------------------------------

FEED_LIMIT_MAX = 2000
FeedLimit = Annotated[int, Query(ge=1, le=FEED_LIMIT_MAX, description="How many calls at most.")]


@feeds_router.get(
    "/calls.ics",
    summary="Every deadline of the calls the filters select, as an iCalendar feed",
    description="Same filters as `GET /v1/calls`; one event per cut-off at its Brussels time,"
    " stable UIDs, so a calendar subscribed to `?status=open&theme=environment` follows the"
    " calls as they change.",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def calls_calendar(session: DbSession, filters: Filters, limit: FeedLimit = 500) -> Response:
    calls = await call_service.feed(session, filters=filters, sort="deadline", limit=limit)
    body = feeds.calendar("Appels à projets — dates limites", calls)
    return Response(body, media_type=ical.MEDIA_TYPE)


@feeds_router.get(
    "/calls.rss",
    summary="The calls the filters select as RSS 2.0, newest change first",
    response_class=Response,
    responses={200: {"content": {"application/rss+xml": {}}}},
)
async def calls_rss(
    request: Request, session: DbSession, filters: Filters, limit: FeedLimit = 100
) -> Response:
    now = utcnow()
    calls = await call_service.feed(session, filters=filters, sort="updated", limit=limit)
    base = public_origin(request)
    query = request.url.query
    body = feeds.rss(
        title="Appels à projets suivis par le réseau",
        self_url=f"{base}{request.url.path}" + (f"?{query}" if query else ""),
        list_url=f"{base}/v1/calls" + (f"?{query}" if query else ""),
        call_url=base + "/v1/calls/{id}",
        calls=calls,
        now=now,
    )
    return Response(body, media_type=feeds.RSS_MEDIA_TYPE)
