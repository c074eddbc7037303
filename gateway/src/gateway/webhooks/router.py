"""``/v1/webhooks/endpoints``: admins and partners subscribe URLs to domain events."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from gateway.dependencies import GatewaySession, WebhookOwner, gateway_of
from gateway.webhooks.schemas import (
    WebhookDeliveryPage,
    WebhookEndpointCreate,
    WebhookEndpointPage,
    WebhookEndpointRead,
    WebhookEndpointSecret,
)
from gateway.webhooks.service import read_model, webhook_endpoint_service
from gateway.webhooks.urls import parse_allowed_hosts
from kit.paging import PageParams, page_params

_PROBLEMS: dict[int | str, dict[str, str]] = {
    401: {"description": "No key, or an unknown, malformed, expired or revoked one."},
    403: {"description": "The key is neither an admin nor a partner key."},
}
router = APIRouter(prefix="/v1/webhooks/endpoints", tags=["webhooks"], responses=_PROBLEMS)


@router.post(
    "",
    status_code=201,
    summary="Subscribe a URL to event types (admins, partners); the secret is shown once",
    responses={422: {"description": "Invalid input, or a URL that is not https and public."}},
)
async def create_webhook_endpoint(
    data: WebhookEndpointCreate,
    caller: WebhookOwner,
    session: GatewaySession,
    request: Request,
    response: Response,
) -> WebhookEndpointSecret:
    settings = gateway_of(request).settings
    created = await webhook_endpoint_service.create(
        session,
        data=data,
        caller=caller,
        allowed_hosts=parse_allowed_hosts(settings.webhook_allowed_hosts),
    )
    response.headers["location"] = f"/v1/webhooks/endpoints/{created.id}"
    response.headers["cache-control"] = "no-store"
    return created


@router.get("", summary="List webhook endpoints, newest first (a partner sees its own)")
async def list_webhook_endpoints(
    caller: WebhookOwner,
    session: GatewaySession,
    params: Annotated[PageParams, Depends(page_params)],
) -> WebhookEndpointPage:
    items, next_cursor = await webhook_endpoint_service.list(session, caller=caller, params=params)
    return WebhookEndpointPage(items=[read_model(e) for e in items], next=next_cursor)


@router.get("/{endpoint_id}", summary="Read a webhook endpoint (never its secret)")
async def read_webhook_endpoint(
    endpoint_id: str, caller: WebhookOwner, session: GatewaySession
) -> WebhookEndpointRead:
    return read_model(
        await webhook_endpoint_service.get(session, endpoint_id=endpoint_id, caller=caller)
    )


@router.delete("/{endpoint_id}", status_code=204, summary="Delete a webhook endpoint")
async def delete_webhook_endpoint(
    endpoint_id: str, caller: WebhookOwner, session: GatewaySession
) -> Response:
    await webhook_endpoint_service.delete(session, endpoint_id=endpoint_id, caller=caller)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate",
    summary="Rotate the secret; the old one still signs during the grace period",
)
async def rotate_webhook_secret(
    endpoint_id: str,
    caller: WebhookOwner,
    session: GatewaySession,
    request: Request,
    response: Response,
) -> WebhookEndpointSecret:
    grace = timedelta(seconds=gateway_of(request).settings.webhook_secret_grace_seconds)
    rotated = await webhook_endpoint_service.rotate(
        session, endpoint_id=endpoint_id, caller=caller, grace=grace
    )
    response.headers["cache-control"] = "no-store"
    return rotated


@router.get(
    "/{endpoint_id}/deliveries",
    summary="Deliveries to an endpoint, newest first, with every attempt",
)
async def list_webhook_deliveries(
    endpoint_id: str,
    caller: WebhookOwner,
    session: GatewaySession,
    params: Annotated[PageParams, Depends(page_params)],
) -> WebhookDeliveryPage:
    items, next_cursor = await webhook_endpoint_service.deliveries(
        session, endpoint_id=endpoint_id, caller=caller, params=params
    )
    return WebhookDeliveryPage(items=items, next=next_cursor)
