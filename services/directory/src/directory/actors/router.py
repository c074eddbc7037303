"""HTTP routes of /v1/actors: thin handlers over actor_service."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from contracts.directory import ActorPublic
from contracts.territory import at_geocoded_point
from directory.actors import exports, history, policies
from directory.actors.models import Actor
from directory.actors.query_params import actor_search_params, facet_params
from directory.actors.schemas import (
    ActorChangeRead,
    ActorCreate,
    ActorListPage,
    ActorRead,
    ActorUpdate,
    DuplicateRead,
    MergeRequest,
)
from directory.actors.search import ActorSearch, facet_counts, search_page
from directory.actors.service import actor_service
from directory.actors.stats import GROUPABLE, actor_stats
from kit.etags import etag_for
from kit.geocoding import GeoPoint
from kit.geocoding_dependency import place_geocoded
from kit.identity import CurrentIdentity, MemberOrStaffIdentity, StaffIdentity
from kit.paging import NUMBER, Page, PageParams, page_params
from kit.problems import InvalidInput
from kit.service import DbSession, runtime_of

router = APIRouter(prefix="/v1/actors", tags=["actors"])

IfMatch = Annotated[
    str | None, Header(description="ETag from a previous read; 412 if the actor changed since.")
]


async def actor_by_id(actor_id: uuid.UUID, session: DbSession) -> Actor:
    """Lookup-or-404 dependency."""
    return await actor_service.get(session, actor_id=actor_id)


ActorById = Annotated[Actor, Depends(actor_by_id)]
Paging = Annotated[PageParams, Depends(page_params)]
#: The BAN's point for the body's street address, resolved before the transaction opens
#: (first in each signature); None when geocoding is off or finds nothing.
AddressGeocoded = Annotated[GeoPoint | None, Depends(place_geocoded("address"))]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ActorRead,
    summary="Add an actor to the directory (network staff)",
)
async def create_actor(
    geocoded: AddressGeocoded,
    body: ActorCreate,
    session: DbSession,
    identity: StaffIdentity,
    response: Response,
) -> ActorRead:
    if geocoded is not None and body.address is not None:
        at_geocoded_point(
            body.address, lat=geocoded.lat, lon=geocoded.lon, precision=geocoded.precision
        )
    actor = await actor_service.create(session, data=body, identity=identity)
    response.headers["ETag"] = etag_for(actor.version)
    response.headers["Location"] = f"/v1/actors/{actor.id}"
    return actor_service.to_read(actor)


@router.get(
    "",
    summary="Search and list actors",
    description=(
        "Full text (`q`), filters, map queries (`near` + `radius_km`, `bbox`), facet counts "
        "(`facets`), sorts, and incremental sync (`updated_since`, with tombstones for deleted "
        "and merged actors). Cursor-paginated."
    ),
)
async def list_actors(
    request: Request,
    session: DbSession,
    identity: CurrentIdentity,
    paging: Paging,
    search: Annotated[ActorSearch, Depends(actor_search_params)],
    facets: Annotated[tuple[str, ...], Depends(facet_params)],
) -> ActorListPage:
    policies.check_search(identity, member_filter=search.member is not None, facets=facets)
    # Facet counts run in their own read transactions beside the page query.
    counting = (
        asyncio.ensure_future(facet_counts(runtime_of(request).database, search, facets))
        if facets
        else None
    )
    try:
        page = await search_page(session, search, limit=paging.limit, after=paging.after)
    except BaseException:
        if counting is not None:
            counting.cancel()
            await asyncio.gather(counting, return_exceptions=True)
        raise
    return ActorListPage(
        items=[actor_service.view_or_tombstone(actor, identity) for actor in page.actors],
        next=page.next,
        facets=await counting if counting is not None else None,
        distances_km=page.distances_km or None,
    )


@router.get(
    "/export",
    summary="Export actors as CSV, XLSX, GeoJSON or vCard (vCard: staff only)",
    description=(
        "Takes the same filters as the list. CSV is UTF-8 with BOM and `;` for Excel, with "
        "formula-like cells neutralised; GeoJSON has the actors with coordinates; vCard "
        "holds contact persons, private data, for network staff only."
    ),
    response_class=StreamingResponse,
)
async def export_actors(
    request: Request,
    identity: CurrentIdentity,
    search: Annotated[ActorSearch, Depends(actor_search_params)],
    format: Annotated[str, Query(pattern="^(csv|xlsx|geojson|vcf)$")] = "csv",
) -> Response:
    policies.check_export(identity, member_filter=search.member is not None, format=format)
    actors = exports.actors_in_batches(runtime_of(request).database, search)
    if format == "xlsx":
        columns = exports.columns_for(identity)
        rows = [columns] + [[exports.cell(a, c) for c in columns] async for a in actors]
        content = await asyncio.to_thread(exports.xlsx_bytes, rows)
        return Response(
            content,
            media_type=exports.XLSX_TYPE,
            headers={"Content-Disposition": 'attachment; filename="acteurs.xlsx"'},
        )
    writer, media_type, filename = exports.STREAMED[format]
    return StreamingResponse(
        writer(actors, identity),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/stats",
    summary="Counts of actors and members by circle, type, territory... (staff)",
    description=(
        "Takes the same filters as the list. `group_by` is a comma-separated list among "
        "circle, type, club, theme, audience, department, region, status, member. An actor "
        "with several types counts once in each of its types."
    ),
)
async def actor_statistics(
    session: DbSession,
    identity: StaffIdentity,
    search: Annotated[ActorSearch, Depends(actor_search_params)],
    group_by: Annotated[str, Query(max_length=200)] = "circle,type",
) -> dict[str, Any]:
    facets = [f.strip() for f in group_by.split(",") if f.strip()]
    unknown = [f for f in facets if f not in GROUPABLE]
    if unknown or len(facets) > 3:
        raise InvalidInput("query.group_by", f"at most 3 among {', '.join(sorted(GROUPABLE))}")
    return await actor_stats(session, search, facets)


@router.get(
    "/{actor_id}/history",
    summary="Who changed what and when (staff and the actor's members)",
)
async def actor_history(
    actor_id: uuid.UUID,
    session: DbSession,
    identity: MemberOrStaffIdentity,
    paging: Paging,
) -> Page[ActorChangeRead]:
    policies.check_history(identity, actor_id)
    after = NUMBER.decode(paging.after)
    rows = await history.list_changes(
        session, actor_id, after_version=after, limit=paging.limit + 1
    )
    if not rows and after is None:
        await actor_service.get(session, actor_id=actor_id)  # 404 for an unknown actor
    changes, next_cursor = NUMBER.page(rows, paging, key=lambda change: change.version)
    return Page(
        items=[ActorChangeRead.model_validate(c, from_attributes=True) for c in changes],
        next=next_cursor,
    )


@router.get(
    "/{actor_id}",
    summary="Read an actor (private fields for staff and the actor's members only)",
    responses={200: {"model": ActorRead}},
)
async def get_actor(
    actor: ActorById, identity: CurrentIdentity, response: Response
) -> ActorRead | ActorPublic:
    response.headers["ETag"] = etag_for(actor.version)
    return actor_service.to_read_for(actor, identity)


@router.patch("/{actor_id}", response_model=ActorRead, summary="Change some fields of an actor")
async def update_actor(
    geocoded: AddressGeocoded,
    actor: ActorById,
    body: ActorUpdate,
    session: DbSession,
    identity: MemberOrStaffIdentity,
    response: Response,
    if_match: IfMatch = None,
) -> ActorRead:
    if geocoded is not None and body.address is not None:
        at_geocoded_point(
            body.address, lat=geocoded.lat, lon=geocoded.lon, precision=geocoded.precision
        )
    actor = await actor_service.update(
        session, actor=actor, changes=body, identity=identity, if_match=if_match
    )
    response.headers["ETag"] = etag_for(actor.version)
    return actor_service.to_read(actor)


@router.get(
    "/{actor_id}/duplicates",
    summary="Likely duplicates of an actor, with a score and the reasons (staff)",
)
async def actor_duplicates(
    actor: ActorById, session: DbSession, identity: StaffIdentity
) -> list[DuplicateRead]:
    found = await actor_service.duplicates_of(session, actor=actor)
    return [
        DuplicateRead(actor=actor_service.to_read(d.actor), score=d.score, reasons=d.reasons)
        for d in found
    ]


@router.post(
    "/{actor_id}/merge",
    response_model=ActorRead,
    summary="Merge another actor into this one (staff); the other id then points here",
)
async def merge_actor(
    actor: ActorById,
    body: MergeRequest,
    session: DbSession,
    identity: StaffIdentity,
    response: Response,
    if_match: IfMatch = None,
) -> ActorRead:
    survivor = await actor_service.merge(
        session,
        survivor=actor,
        duplicate_id=body.duplicate_id,
        identity=identity,
        if_match=if_match,
    )
    response.headers["ETag"] = etag_for(survivor.version)
    return actor_service.to_read(survivor)


@router.delete(
    "/{actor_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an actor (network staff); leaves a tombstone for sync",
)
async def delete_actor(
    actor: ActorById, session: DbSession, identity: StaffIdentity, if_match: IfMatch = None
) -> None:
    await actor_service.delete(session, actor=actor, identity=identity, if_match=if_match)
