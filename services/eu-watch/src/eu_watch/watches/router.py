"""HTTP routes of /v1/watches."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from eu_watch.actors.service import wait_for_actor
from eu_watch.watches.schemas import WatchCreate, WatchPage, WatchRead, WatchUpdate
from eu_watch.watches.service import watch_service
from kit.etags import etag_for
from kit.identity import CurrentIdentity, MemberOrStaffIdentity
from kit.models import utcnow
from kit.paging import PageParams, page_params
from kit.service import DbSession, runtime_of

router = APIRouter(prefix="/v1/watches", tags=["watches"])
Paging = Annotated[PageParams, Depends(page_params)]
IfMatch = Annotated[
    str | None, Header(description="ETag from a previous read; 412 if the watch changed since.")
]


def _staff_email(request: Request) -> str | None:
    return request.app.state.settings.common.staff_email or None


async def watched_actor_heard_of(
    body: WatchCreate, request: Request, identity: CurrentIdentity
) -> None:
    """Read your writes: give the actor projection up to ``actor_wait_seconds`` to hear of
    the actor watched for (its public address is where the watch mails), before the
    request's transaction opens."""
    actor_id = body.actor_id
    if actor_id is None and not identity.is_staff and len(identity.actor_ids) == 1:
        actor_id = identity.actor_ids[0]
    # Only for a caller the watch may be for: anyone else is refused at once, not after the
    # whole wait (eu_watch.actors.dependencies).
    if actor_id is not None and identity.acts_for(actor_id):
        await wait_for_actor(
            runtime_of(request), actor_id, within=request.app.state.settings.actor_wait_seconds
        )


@router.post(
    "",
    dependencies=[Depends(watched_actor_heard_of)],
    status_code=status.HTTP_201_CREATED,
    summary="Watch calls: a saved search that tells of calls new to it",
    description="A member watches for its own actor, staff for the network (no `actor_id`) or"
    " any actor. Every filter given must hold. The calls matching when the watch is made are"
    " known already; each call new to it (published, or changed so that it now matches, or"
    " opened) is sent once, at once or in the weekly digest. Unknown theme or programme: 422.",
)
async def create_watch(
    body: WatchCreate,
    request: Request,
    session: DbSession,
    identity: MemberOrStaffIdentity,
    response: Response,
) -> WatchRead:
    watch = await watch_service.create(
        session, data=body, identity=identity, now=utcnow(), staff_email=_staff_email(request)
    )
    response.headers["ETag"] = etag_for(watch.version)
    response.headers["Location"] = f"/v1/watches/{watch.id}"
    return watch_service.to_read(watch)


@router.get(
    "",
    summary="The watches the caller may see",
    description="Staff: every watch (`actor_id` narrows); a member key: its own actor's.",
)
async def list_watches(
    session: DbSession,
    identity: MemberOrStaffIdentity,
    paging: Paging,
    actor_id: Annotated[uuid.UUID | None, Query(description="One actor's watches.")] = None,
) -> WatchPage:
    return await watch_service.list_for(
        session, identity=identity, actor_id=actor_id, paging=paging
    )


@router.get("/{watch_id}", summary="Read a watch (another actor's: 404)")
async def get_watch(
    watch_id: uuid.UUID, session: DbSession, identity: MemberOrStaffIdentity, response: Response
) -> WatchRead:
    watch = await watch_service.get(session, watch_id=watch_id, identity=identity)
    response.headers["ETag"] = etag_for(watch.version)
    return watch_service.to_read(watch)


@router.patch(
    "/{watch_id}",
    summary="Change a watch (only the fields given; null clears a filter)",
    description="New filters: the calls they select now are known, not news.",
)
async def update_watch(
    watch_id: uuid.UUID,
    body: WatchUpdate,
    request: Request,
    session: DbSession,
    identity: MemberOrStaffIdentity,
    response: Response,
    if_match: IfMatch = None,
) -> WatchRead:
    watch = await watch_service.update(
        session,
        watch_id=watch_id,
        data=body,
        identity=identity,
        if_match=if_match,
        now=utcnow(),
        staff_email=_staff_email(request),
    )
    response.headers["ETag"] = etag_for(watch.version)
    return watch_service.to_read(watch)


@router.delete("/{watch_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Stop a watch")
async def delete_watch(
    watch_id: uuid.UUID, session: DbSession, identity: MemberOrStaffIdentity
) -> None:
    await watch_service.delete(session, watch_id=watch_id, identity=identity)
