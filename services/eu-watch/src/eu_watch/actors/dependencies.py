"""Route dependencies that wait for the actor projection (read your writes), resolved before
the request's own transaction opens.

They run before the route checks who asks, so they wait only for a caller the answer is for
(staff, or the member of the actor named): anyone else is refused at once, not after holding
the request, and polling the database, for the whole bound."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request

from eu_watch.actors.service import wait_for_actor, wait_for_directory
from kit.identity import MEMBER_OR_STAFF_ROLES, CurrentIdentity, Identity
from kit.service import runtime_of


def actor_heard_of(param: str) -> Callable[[Request, Identity], Awaitable[None]]:
    """A dependency waiting for the actor the query parameter ``param`` names (a malformed or
    missing value is left to validation)."""

    async def wait(request: Request, identity: CurrentIdentity) -> None:
        try:
            actor_id = uuid.UUID(request.query_params.get(param) or "")
        except ValueError:
            return
        if not identity.acts_for(actor_id):
            return  # refused by the route whether the actor is known or not
        await wait_for_actor(
            runtime_of(request), actor_id, within=request.app.state.settings.actor_wait_seconds
        )

    return wait


async def directory_heard_of(request: Request, identity: CurrentIdentity) -> None:
    """A dependency waiting until the projection applied what the directory published."""
    if identity.role not in MEMBER_OR_STAFF_ROLES:
        return  # the members' matches are for staff and members only
    await wait_for_directory(
        runtime_of(request), within=request.app.state.settings.actor_wait_seconds
    )
