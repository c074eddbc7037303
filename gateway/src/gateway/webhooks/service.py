"""Webhook endpoint logic: create, read, list, delete, rotate the secret. Never commits."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.webhooks import repository
from gateway.webhooks.models import WebhookEndpoint
from gateway.webhooks.schemas import (
    EndpointStatus,
    WebhookAttemptRead,
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointRead,
    WebhookEndpointSecret,
)
from gateway.webhooks.tokens import new_endpoint_id, new_secret
from gateway.webhooks.urls import UnsafeUrl, check_url
from kit.identity import Identity, Role
from kit.models import utcnow
from kit.paging import PageParams, build_page, decode_cursor
from kit.problems import InvalidInput, NotFound


class WebhookEndpointNotFound(NotFound):
    slug = "webhook-endpoint-not-found"


def read_model(endpoint: WebhookEndpoint) -> WebhookEndpointRead:
    return WebhookEndpointRead(
        id=endpoint.id,
        url=endpoint.url,
        event_types=[str(t) for t in endpoint.event_types],
        description=endpoint.description,
        partner=endpoint.partner,
        status=EndpointStatus.DISABLED if endpoint.disabled_at else EndpointStatus.ACTIVE,
        disabled_reason=endpoint.disabled_reason,
        created_by=endpoint.created_by,
        created_at=endpoint.created_at,
        disabled_at=endpoint.disabled_at,
    )


def _with_secret(endpoint: WebhookEndpoint) -> WebhookEndpointSecret:
    return WebhookEndpointSecret(
        **read_model(endpoint).model_dump(),
        secret=endpoint.secret,
        previous_secret_expires_at=endpoint.previous_secret_expires_at,
    )


def _sees(caller: Identity, endpoint: WebhookEndpoint) -> bool:
    return caller.role is Role.ADMIN or (
        caller.partner is not None and endpoint.partner == caller.partner
    )


_DeliveryPage = tuple[list[WebhookDeliveryRead], str | None]


def _cursor(params: PageParams) -> tuple[datetime, str] | None:
    if not params.after:
        return None
    raw_time, raw_id = decode_cursor(params.after, arity=2)
    try:
        return datetime.fromisoformat(str(raw_time)), str(raw_id)
    except ValueError as exc:
        raise InvalidInput("query.after", "not a cursor returned by this API") from exc


class WebhookEndpointService:
    async def create(
        self,
        session: AsyncSession,
        *,
        data: WebhookEndpointCreate,
        caller: Identity,
        allowed_hosts: Collection[str],
    ) -> WebhookEndpointSecret:
        """Store a new endpoint owned by the caller's partner (none for an admin)."""
        try:
            await check_url(data.url, allowed_hosts)
        except UnsafeUrl as exc:
            raise InvalidInput("url", str(exc)) from exc
        endpoint = WebhookEndpoint(
            id=new_endpoint_id(),
            url=data.url,
            event_types=data.event_types,
            description=data.description,
            partner=caller.partner if caller.role is Role.PARTNER else None,
            secret=new_secret(),
            created_by=caller.subject,
            created_at=utcnow(),
        )
        session.add(endpoint)
        await session.flush()
        return _with_secret(endpoint)

    async def get(
        self, session: AsyncSession, *, endpoint_id: str, caller: Identity
    ) -> WebhookEndpoint:
        """The endpoint, if the caller may see it (another partner's is a 404)."""
        endpoint = await repository.get(session, endpoint_id)
        if endpoint is None or not _sees(caller, endpoint):
            raise WebhookEndpointNotFound(f"No webhook endpoint {endpoint_id}.")
        return endpoint

    async def list(
        self, session: AsyncSession, *, caller: Identity, params: PageParams
    ) -> tuple[list[WebhookEndpoint], str | None]:
        """A page of the caller's endpoints (every endpoint for an admin), newest first."""
        before = _cursor(params)
        rows = await repository.newest_first(
            session,
            partner=caller.partner,
            every_owner=caller.role is Role.ADMIN,
            before=before,
            limit=params.limit + 1,
        )
        return build_page(rows, params, lambda e: (e.created_at.isoformat(), e.id))

    async def deliveries(
        self, session: AsyncSession, *, endpoint_id: str, caller: Identity, params: PageParams
    ) -> _DeliveryPage:
        """A page of the endpoint's deliveries, newest first, each with its attempts."""
        endpoint = await self.get(session, endpoint_id=endpoint_id, caller=caller)
        before = _cursor(params)
        rows = await repository.deliveries_newest_first(
            session, endpoint_id=endpoint.id, before=before, limit=params.limit + 1
        )
        page, next_cursor = build_page(rows, params, lambda d: (d.created_at.isoformat(), d.id))
        attempts: dict[str, list[WebhookAttemptRead]] = {d.id: [] for d in page}
        for attempt in await repository.attempts_of(session, [d.id for d in page]):
            attempts[attempt.delivery_id].append(
                WebhookAttemptRead(
                    attempted_at=attempt.attempted_at,
                    status_code=attempt.status_code,
                    duration_ms=attempt.duration_ms,
                    response_excerpt=attempt.response_excerpt,
                    error=attempt.error,
                    next_attempt_at=attempt.next_attempt_at,
                )
            )
        items = [
            WebhookDeliveryRead(
                id=d.id,
                event_id=d.event_id,
                event_type=d.event_type,
                status=d.status,
                next_attempt_at=d.next_attempt_at,
                created_at=d.created_at,
                attempts=attempts[d.id],
            )
            for d in page
        ]
        return items, next_cursor

    async def delete(self, session: AsyncSession, *, endpoint_id: str, caller: Identity) -> None:
        endpoint = await self.get(session, endpoint_id=endpoint_id, caller=caller)
        await repository.delete_deliveries(session, endpoint.id)
        await repository.delete(session, endpoint)
        await session.flush()

    async def rotate(
        self,
        session: AsyncSession,
        *,
        endpoint_id: str,
        caller: Identity,
        grace: timedelta,
    ) -> WebhookEndpointSecret:
        """A new secret; the current one keeps signing (beside it) for ``grace``."""
        endpoint = await self.get(session, endpoint_id=endpoint_id, caller=caller)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = utcnow() + grace
        endpoint.secret = new_secret()
        await session.flush()
        return _with_secret(endpoint)


webhook_endpoint_service = WebhookEndpointService()
