"""Route dependencies that wait for the actor projection (read your writes), resolved before
the request's own transaction opens."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request

from eu_watch.actors.service import wait_for_actor, wait_for_directory
from kit.service import runtime_of


def actor_heard_of(param: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency waiting for the actor the query parameter ``param`` names (a malformed or
    missing value is left to validation)."""

    async def wait(request: Request) -> None:
        try:
            actor_id = uuid.UUID(request.query_params.get(param) or "")
        except ValueError:
            return
        await wait_for_actor(
            runtime_of(request), actor_id, within=request.app.state.settings.actor_wait_seconds
        )

    return wait


async def directory_heard_of(request: Request) -> None:
    """A dependency waiting until the projection applied what the directory published."""
    await wait_for_directory(
        runtime_of(request), within=request.app.state.settings.actor_wait_seconds
    )
