"""HTTP routes of /v1/actors: thin handlers over actor_service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from contracts.directory import ActorPublic
from contracts.vocabularies import ActorStatus
from directory.actors.models import Actor
from directory.actors.schemas import ActorCreate, ActorRead, ActorUpdate
from directory.actors.service import actor_service
from kit.etags import etag_for
from kit.identity import AuthenticatedIdentity, CurrentIdentity, StaffIdentity
from kit.paging import Page, PageParams, build_page, decode_cursor, page_params
from kit.service import DbSession

router = APIRouter(prefix="/v1/actors", tags=["actors"])

IfMatch = Annotated[
    str | None, Header(description="ETag from a previous read; 412 if the actor changed since.")
]


async def actor_by_id(actor_id: uuid.UUID, session: DbSession) -> Actor:
    """Lookup-or-404 dependency."""
    return await actor_service.get(session, actor_id=actor_id)


ActorById = Annotated[Actor, Depends(actor_by_id)]
Paging = Annotated[PageParams, Depends(page_params)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ActorRead,
    summary="Add an actor to the directory (network staff)",
)
async def create_actor(
    body: ActorCreate, session: DbSession, identity: StaffIdentity, response: Response
) -> ActorRead:
    actor = await actor_service.create(session, data=body, identity=identity)
    response.headers["ETag"] = etag_for(actor.version)
    response.headers["Location"] = f"/v1/actors/{actor.id}"
    return actor_service.to_read(actor)


@router.get("", summary="List actors, ordered by name")
async def list_actors(
    session: DbSession,
    identity: CurrentIdentity,
    paging: Paging,
    status_: Annotated[list[ActorStatus] | None, Query(alias="status")] = None,
) -> Page[ActorRead | ActorPublic]:
    after = None
    if paging.after:
        name_key, raw_id = decode_cursor(paging.after, arity=2)
        after = (str(name_key), uuid.UUID(str(raw_id)))
    rows = await actor_service.list_page(
        session,
        after=after,
        limit=paging.limit + 1,
        statuses=[s.value for s in status_] if status_ else None,
    )
    actors, next_cursor = build_page(rows, paging, key=lambda a: (a.name_key, str(a.id)))
    return Page(items=[actor_service.view_for(a, identity) for a in actors], next=next_cursor)


@router.get(
    "/{actor_id}",
    summary="Read an actor (private fields for staff and the actor's members only)",
    responses={200: {"model": ActorRead}},
)
async def get_actor(
    actor: ActorById, identity: CurrentIdentity, response: Response
) -> ActorRead | ActorPublic:
    response.headers["ETag"] = etag_for(actor.version)
    return actor_service.view_for(actor, identity)


@router.patch("/{actor_id}", response_model=ActorRead, summary="Change some fields of an actor")
async def update_actor(
    actor: ActorById,
    body: ActorUpdate,
    session: DbSession,
    identity: AuthenticatedIdentity,
    response: Response,
    if_match: IfMatch = None,
) -> ActorRead:
    actor = await actor_service.update(
        session, actor=actor, changes=body, identity=identity, if_match=if_match
    )
    response.headers["ETag"] = etag_for(actor.version)
    return actor_service.to_read(actor)


@router.delete(
    "/{actor_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an actor (network staff); leaves a tombstone for sync",
)
async def delete_actor(
    actor: ActorById, session: DbSession, identity: StaffIdentity, if_match: IfMatch = None
) -> None:
    await actor_service.delete(session, actor=actor, identity=identity, if_match=if_match)
