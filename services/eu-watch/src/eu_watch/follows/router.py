"""HTTP routes of /v1/calls/{id}/follow and /v1/calls/followed."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from eu_watch.actors.service import wait_for_actor
from eu_watch.follows.schemas import FollowCreate, FollowPage, FollowRead
from eu_watch.follows.service import follow_service
from kit.identity import CurrentIdentity, MemberOrStaffIdentity
from kit.models import utcnow
from kit.paging import PageParams, page_params
from kit.service import DbSession, runtime_of

router = APIRouter(prefix="/v1/calls", tags=["follows"])
Paging = Annotated[PageParams, Depends(page_params)]
ActorParam = Annotated[
    uuid.UUID | None,
    Query(description="The actor: a member key's own by default; staff name it."),
]


@router.get(
    "/followed",
    summary="The calls followed (a member key: its own actor's; staff: everyone's)",
)
async def list_follows(
    session: DbSession,
    identity: MemberOrStaffIdentity,
    paging: Paging,
    actor_id: Annotated[uuid.UUID | None, Query(description="One actor's follows.")] = None,
) -> FollowPage:
    return await follow_service.list_for(
        session, identity=identity, actor_id=actor_id, paging=paging
    )


async def followed_by_heard_of(
    request: Request, identity: CurrentIdentity, body: FollowCreate | None = None
) -> None:
    """Read your writes: give the actor projection up to ``actor_wait_seconds`` to hear of
    the actor following (one the directory created a moment ago), before the request's
    transaction opens; an actor it still does not know is then a 422."""
    actor_id = body.actor_id if body is not None else None
    if actor_id is None and not identity.is_staff and len(identity.actor_ids) == 1:
        actor_id = identity.actor_ids[0]
    # Only for a caller the follow may be for: anyone else is refused at once, not after the
    # whole wait (eu_watch.actors.dependencies).
    if actor_id is not None and identity.acts_for(actor_id):
        await wait_for_actor(
            runtime_of(request), actor_id, within=request.app.state.settings.actor_wait_seconds
        )


@router.post(
    "/{call_id}/follow",
    dependencies=[Depends(followed_by_heard_of)],
    status_code=status.HTTP_201_CREATED,
    summary="Follow a call: reminders before each of its cut-offs",
    description="By a member for its actor (staff name `actor_id`). Reminders go 30 and 7 days"
    " before each cut-off (`MAILLAGE_EU_WATCH_REMINDER_DAYS`), once each, to `email` or the"
    " actor's public address. Following again changes nothing (200).",
    responses={200: {"description": "Already followed.", "model": FollowRead}},
)
async def follow_call(
    call_id: uuid.UUID,
    session: DbSession,
    identity: MemberOrStaffIdentity,
    response: Response,
    body: FollowCreate | None = None,
) -> FollowRead:
    follow, created = await follow_service.follow(
        session, call_id=call_id, data=body or FollowCreate(), identity=identity, now=utcnow()
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return follow


@router.delete(
    "/{call_id}/follow",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop following a call",
)
async def unfollow_call(
    call_id: uuid.UUID,
    session: DbSession,
    identity: MemberOrStaffIdentity,
    actor_id: ActorParam = None,
) -> None:
    await follow_service.unfollow(session, call_id=call_id, actor_id=actor_id, identity=identity)
