"""FastAPI dependencies of the gateway's own routes (``/v1/api-keys``…)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.callers import SAFE_METHODS, CallerRejected
from gateway.limits import Allowance
from kit.identity import Identity, Role
from kit.problems import DomainError, Forbidden, Unauthenticated

if TYPE_CHECKING:
    from gateway.main import Gateway


def gateway_of(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


class TooManyRequests(DomainError):
    status, slug, title = 429, "too-many-requests", "Too many requests"


def _charge(request: Request, identity: Identity | None) -> None:
    """Take a rate-limit token as the proxy does; a 429 problem when none is left."""
    limits = gateway_of(request).proxy.limits
    address = request.client.host if request.client else None
    _check(request, limits.charge(identity, address) if limits is not None else None)


def charge_partner(request: Request, partner: str) -> None:
    """Take a token from the partner's own bucket (the size of a key's) for a push it
    signed: a partner pushing too fast is slowed like a key, whatever its addresses."""
    limits = gateway_of(request).proxy.limits
    if limits is not None and limits.by_key is not None:
        _check(request, limits.by_key.take(f"partner-inbox:{partner}"))


def _check(request: Request, allowance: Allowance | None) -> None:
    if allowance is None:
        return
    # Sent with the answer, whatever it is (RateLimitHeaders), as the proxy does.
    request.state.rate_limit = allowance
    if not allowance.allowed:
        raise TooManyRequests(
            f"Rate limit reached: try again in {allowance.retry_after} s.",
            headers={k.decode(): v.decode() for k, v in allowance.headers()},
            retry_after_seconds=allowance.retry_after,
        )


def charge_address(request: Request) -> None:
    """Take a rate-limit token from the caller's address, as for a failed authentication
    (a partner inbox refusing a signature: forging is as slow as key guessing)."""
    _charge(request, None)


async def current_identity(request: Request) -> Identity:
    """The caller's identity, resolved from ``Authorization`` and rate-limited exactly as the
    proxy does (so key guessing is as slow here as on relayed paths)."""
    try:
        identity = await gateway_of(request).callers.resolve(
            request.method, request.headers.get("authorization")
        )
    except CallerRejected as exc:
        _charge(request, None)
        raise Unauthenticated(
            exc.detail, headers={"www-authenticate": 'Bearer realm="maillage"'}
        ) from exc
    _charge(request, identity)
    return identity


def identity_with_role(
    roles: Collection[Role], *, key: str, refusal: str, partner_bound: bool = False
) -> Callable[[Identity], Awaitable[Identity]]:
    """A dependency admitting keys of ``roles`` only: no key is a 401 asking for ``key``
    ("an admin API key"), another role a 403 saying ``refusal``. With ``partner_bound``, a
    partner key must name its partner (a key for no partner manages nothing)."""
    admitted = frozenset(roles)

    async def guard(identity: Annotated[Identity, Depends(current_identity)]) -> Identity:
        if identity.is_anonymous:
            raise Unauthenticated(
                f"This operation needs {key} (Authorization: Bearer <key>).",
                headers={"www-authenticate": 'Bearer realm="maillage"'},
            )
        if identity.role not in admitted or (
            partner_bound and identity.role is Role.PARTNER and not identity.partner
        ):
            raise Forbidden(refusal)
        return identity

    return guard


require_admin = identity_with_role(
    [Role.ADMIN], key="an admin API key", refusal="Only admins manage API keys."
)
require_webhook_owner = identity_with_role(
    [Role.ADMIN, Role.PARTNER],
    key="an admin or partner API key",
    refusal="Only admins and partners manage webhook endpoints.",
    partner_bound=True,
)


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with gateway_of(request).database.transaction(
        write=request.method not in SAFE_METHODS
    ) as session:
        yield session


AdminIdentity = Annotated[Identity, Depends(require_admin)]
WebhookOwnerIdentity = Annotated[Identity, Depends(require_webhook_owner)]
#: The one transaction of a request; committed before the response is sent.
GatewaySession = Annotated[AsyncSession, Depends(_request_session, scope="function")]
