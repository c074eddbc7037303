"""``/v1/api-keys``: admins create, list, read and revoke keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from gateway.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPage, ApiKeyRead
from gateway.api_keys.service import api_key_service, to_read
from gateway.dependencies import AdminIdentity, GatewaySession, gateway_of
from kit.paging import PageParams, page_params

_PROBLEMS: dict[int | str, dict[str, str]] = {
    401: {"description": "No key, or an unknown, malformed, expired or revoked one."},
    403: {"description": "The key is not an admin key."},
}
router = APIRouter(prefix="/v1/api-keys", tags=["api-keys"], responses=_PROBLEMS)


@router.post(
    "",
    status_code=201,
    summary="Create an API key (admins); the key is in the answer, and only there",
)
async def create_api_key(
    data: ApiKeyCreate, identity: AdminIdentity, session: GatewaySession, response: Response
) -> ApiKeyCreated:
    created = await api_key_service.create(session, data=data, created_by=identity.subject)
    response.headers["location"] = f"/v1/api-keys/{created.id}"
    response.headers["cache-control"] = "no-store"
    return created


@router.get("", summary="List API keys, newest first (admins)")
async def list_api_keys(
    _: AdminIdentity,
    session: GatewaySession,
    params: Annotated[PageParams, Depends(page_params)],
) -> ApiKeyPage:
    items, next_cursor = await api_key_service.list(session, params=params)
    return ApiKeyPage(items=[to_read(k) for k in items], next=next_cursor)


@router.get("/{key_id}", summary="Read an API key (admins)")
async def read_api_key(key_id: str, _: AdminIdentity, session: GatewaySession) -> ApiKeyRead:
    return to_read(await api_key_service.get(session, key_id=key_id))


@router.delete(
    "/{key_id}",
    status_code=204,
    summary="Revoke an API key (admins); refused within the key cache time everywhere",
)
async def revoke_api_key(key_id: str, _: AdminIdentity, request: Request) -> Response:
    gateway = gateway_of(request)
    # Committed before the cache is cleared, so no concurrent call can cache the key again
    # as it was before the revocation: the handler opens the transaction, as for any work
    # that must follow the commit.
    async with gateway.database.transaction() as session:
        await api_key_service.revoke(session, key_id=key_id)
    gateway.keys.forget(key_id)
    return Response(status_code=204)
