"""FastAPI dependencies of the gateway's own routes (``/v1/api-keys``…)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.callers import SAFE_METHODS, CallerRejected
from kit.identity import Identity, Role
from kit.problems import Forbidden, Unauthenticated

if TYPE_CHECKING:
    from gateway.main import Gateway


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


async def current_caller(request: Request) -> Identity:
    """The caller, resolved from ``Authorization`` exactly as the proxy does."""
    try:
        return await gateway_of(request).callers.resolve(
            request.method, request.headers.get("authorization")
        )
    except CallerRejected as exc:
        raise Unauthenticated(
            exc.detail, headers={"www-authenticate": 'Bearer realm="maillage"'}
        ) from exc


async def require_admin(caller: Annotated[Identity, Depends(current_caller)]) -> Identity:
    if caller.is_anonymous:
        raise Unauthenticated(
            "This operation needs an admin API key (Authorization: Bearer <key>).",
            headers={"www-authenticate": 'Bearer realm="maillage"'},
        )
    if caller.role is not Role.ADMIN:
        raise Forbidden("Only admins manage API keys.")
    return caller


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with gateway_of(request).database.transaction(
        write=request.method not in SAFE_METHODS
    ) as session:
        yield session


AdminCaller = Annotated[Identity, Depends(require_admin)]
#: The one transaction of a request; committed before the response is sent.
GatewaySession = Annotated[AsyncSession, Depends(_request_session, scope="function")]
