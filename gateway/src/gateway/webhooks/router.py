"""``/v1/webhooks/endpoints``: admins and partners subscribe URLs to domain events."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from gateway.dependencies import GatewaySession, WebhookOwnerIdentity, gateway_of
from gateway.webhooks.delivery import AttemptPolicy, send_ping
from gateway.webhooks.schemas import (
    WebhookDeliveryPage,
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointPage,
    WebhookEndpointRead,
    WebhookEndpointSecret,
    WebhookEndpointUpdate,
    WebhookRecover,
    WebhookRecoverResult,
)
from gateway.webhooks.service import safe_url, to_read, webhook_endpoint_service
from gateway.webhooks.urls import parse_allowed_hosts
from kit.paging import PageParams, page_params

_PROBLEMS: dict[int | str, dict[str, str]] = {
    401: {"description": "No key, or an unknown, malformed, expired or revoked one."},
    403: {"description": "The key is neither an admin nor a partner key."},
}
_NOT_YOURS: dict[int | str, dict[str, str]] = {
    404: {"description": "No such endpoint, or another partner's (problem+json)."}
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
    identity: WebhookOwnerIdentity,
    request: Request,
    response: Response,
) -> WebhookEndpointSecret:
    gateway = gateway_of(request)
    url = await safe_url(data.url, parse_allowed_hosts(gateway.settings.webhook_allowed_hosts))
    async with gateway.database.transaction() as session:
        created = await webhook_endpoint_service.create(
            session, data=data, identity=identity, url=url
        )
    response.headers["location"] = f"/v1/webhooks/endpoints/{created.id}"
    response.headers["cache-control"] = "no-store"
    return created


@router.get("", summary="List webhook endpoints, newest first (a partner sees its own)")
async def list_webhook_endpoints(
    identity: WebhookOwnerIdentity,
    session: GatewaySession,
    params: Annotated[PageParams, Depends(page_params)],
) -> WebhookEndpointPage:
    items, next_cursor = await webhook_endpoint_service.list(
        session, identity=identity, params=params
    )
    return WebhookEndpointPage(items=[to_read(e) for e in items], next=next_cursor)


@router.get(
    "/{endpoint_id}", summary="Read a webhook endpoint (never its secret)", responses=_NOT_YOURS
)
async def read_webhook_endpoint(
    endpoint_id: str, identity: WebhookOwnerIdentity, session: GatewaySession
) -> WebhookEndpointRead:
    return to_read(
        await webhook_endpoint_service.get(session, endpoint_id=endpoint_id, identity=identity)
    )


@router.patch(
    "/{endpoint_id}",
    summary="Change the URL, event types or description; disable or re-enable",
    responses=_NOT_YOURS
    | {422: {"description": "Invalid input, or a URL that is not https and public."}},
)
async def update_webhook_endpoint(
    endpoint_id: str,
    data: WebhookEndpointUpdate,
    identity: WebhookOwnerIdentity,
    request: Request,
) -> WebhookEndpointRead:
    gateway = gateway_of(request)
    allowed_hosts = parse_allowed_hosts(gateway.settings.webhook_allowed_hosts)
    url = None if data.url is None else await safe_url(data.url, allowed_hosts)
    async with gateway.database.transaction() as session:
        endpoint = await webhook_endpoint_service.update(
            session, endpoint_id=endpoint_id, data=data, identity=identity, url=url
        )
        return to_read(endpoint)


@router.delete(
    "/{endpoint_id}", status_code=204, summary="Delete a webhook endpoint", responses=_NOT_YOURS
)
async def delete_webhook_endpoint(
    endpoint_id: str, identity: WebhookOwnerIdentity, session: GatewaySession
) -> Response:
    await webhook_endpoint_service.delete(session, endpoint_id=endpoint_id, identity=identity)
    return Response(status_code=204)


@router.post(
    "/{endpoint_id}/rotate",
    summary="Rotate the secret; the old one still signs during the grace period",
    responses=_NOT_YOURS,
)
async def rotate_webhook_secret(
    endpoint_id: str,
    identity: WebhookOwnerIdentity,
    session: GatewaySession,
    request: Request,
    response: Response,
) -> WebhookEndpointSecret:
    grace = timedelta(seconds=gateway_of(request).settings.webhook_secret_grace_seconds)
    rotated = await webhook_endpoint_service.rotate(
        session, endpoint_id=endpoint_id, identity=identity, grace=grace
    )
    response.headers["cache-control"] = "no-store"
    return rotated


@router.post(
    "/{endpoint_id}/test",
    summary="Send a signed `webhook.ping` now; the delivery with the attempt's outcome",
    responses=_NOT_YOURS,
)
async def ping_webhook_endpoint(
    endpoint_id: str, identity: WebhookOwnerIdentity, request: Request
) -> WebhookDeliveryRead:
    gateway = gateway_of(request)
    settings = gateway.settings
    # No request transaction: none may stay open while the receiver answers.
    async with gateway.database.transaction(write=False) as session:
        endpoint = await webhook_endpoint_service.get(
            session, endpoint_id=endpoint_id, identity=identity
        )
    delivery_id = await send_ping(
        gateway.database,
        endpoint,
        allowed_hosts=parse_allowed_hosts(settings.webhook_allowed_hosts),
        timeout_seconds=settings.webhook_timeout_seconds,
        policy=AttemptPolicy.from_settings(settings),
    )
    async with gateway.database.transaction(write=False) as session:
        return await webhook_endpoint_service.delivery(
            session, endpoint_id=endpoint_id, delivery_id=delivery_id, identity=identity
        )


@router.post(
    "/{endpoint_id}/recover",
    summary="Send again the failed deliveries created since a time (every one if asked)",
    responses=_NOT_YOURS,
)
async def recover_webhook_deliveries(
    endpoint_id: str, data: WebhookRecover, identity: WebhookOwnerIdentity, session: GatewaySession
) -> WebhookRecoverResult:
    return await webhook_endpoint_service.recover(
        session, endpoint_id=endpoint_id, data=data, identity=identity
    )


@router.get(
    "/{endpoint_id}/deliveries/{delivery_id}",
    summary="One delivery with every attempt",
    responses={404: {"description": "No such endpoint or delivery (problem+json)."}},
)
async def read_webhook_delivery(
    endpoint_id: str, delivery_id: str, identity: WebhookOwnerIdentity, session: GatewaySession
) -> WebhookDeliveryRead:
    return await webhook_endpoint_service.delivery(
        session, endpoint_id=endpoint_id, delivery_id=delivery_id, identity=identity
    )


@router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/resend",
    status_code=202,
    summary="Send a delivery again now (same `webhook-id`, a fresh retry schedule)",
    responses={
        404: {"description": "No such endpoint or delivery (problem+json)."},
        409: {"description": "The delivery is still waiting to be sent (problem+json)."},
    },
)
async def resend_webhook_delivery(
    endpoint_id: str, delivery_id: str, identity: WebhookOwnerIdentity, session: GatewaySession
) -> WebhookDeliveryRead:
    return await webhook_endpoint_service.resend(
        session, endpoint_id=endpoint_id, delivery_id=delivery_id, identity=identity
    )


@router.get(
    "/{endpoint_id}/deliveries",
    summary="Deliveries to an endpoint, newest first, with every attempt",
    responses=_NOT_YOURS,
)
async def list_webhook_deliveries(
    endpoint_id: str,
    identity: WebhookOwnerIdentity,
    session: GatewaySession,
    params: Annotated[PageParams, Depends(page_params)],
) -> WebhookDeliveryPage:
    items, next_cursor = await webhook_endpoint_service.deliveries(
        session, endpoint_id=endpoint_id, identity=identity, params=params
    )
    return WebhookDeliveryPage(items=items, next=next_cursor)
