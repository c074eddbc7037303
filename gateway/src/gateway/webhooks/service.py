"""Webhook endpoint logic: create, read, list, update, delete, rotate the secret, resend and
recover deliveries. Never commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from contracts import registry
from gateway.webhooks import repository
from gateway.webhooks.audience import matches
from gateway.webhooks.errors import (
    TooManyEndpoints,
    WebhookDeliveryNotFound,
    WebhookDeliveryPending,
    WebhookEndpointNotFound,
)
from gateway.webhooks.models import WebhookDelivery, WebhookEndpoint
from gateway.webhooks.schemas import (
    MAX_ENDPOINTS_PER_PARTNER,
    EndpointStatus,
    WebhookAttemptRead,
    WebhookDeliveryRead,
    WebhookEndpointCreate,
    WebhookEndpointRead,
    WebhookEndpointSecret,
    WebhookEndpointUpdate,
    WebhookRecover,
    WebhookRecoverResult,
)
from gateway.webhooks.signing import rotate_secret
from gateway.webhooks.tokens import new_endpoint_id, new_secret
from gateway.webhooks.urls import UnsafeUrl, check_url
from kit.identity import Identity, Role
from kit.models import utcnow
from kit.paging import TIME_TEXT, PageParams
from kit.problems import InvalidInput

#: What the types kept from partners are about, by the service that sends them.
_ABOUT_PEOPLE = {
    "events": "registrations, attendance",
    "surveys": "who is invited to a survey, who answered",
}


def _check_subscribable(event_types: Sequence[str], identity: Identity) -> None:
    """Each entry must name or cover an event type sent by webhook; an exact type about
    people is for the network's own endpoints, not a partner's."""
    known = registry.webhook_types()
    for index, pattern in enumerate(event_types):
        if not any(matches([pattern], known_type) for known_type in known):
            raise InvalidInput(
                f"event_types[{index}]",
                f"{pattern!r} matches no event type (the list: GET /asyncapi.json)",
            )
        if (
            identity.role is Role.PARTNER
            and "*" not in pattern
            and not registry.for_partners(pattern)
        ):
            about = _ABOUT_PEOPLE.get(pattern.split(".", 1)[0], "people's own records")
            raise InvalidInput(
                f"event_types[{index}]",
                f"{pattern} is about people ({about}): sent to the network's own endpoints only",
            )


def to_read(endpoint: WebhookEndpoint) -> WebhookEndpointRead:
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
        failing_since=endpoint.failing_since,
    )


def _with_secret(endpoint: WebhookEndpoint) -> WebhookEndpointSecret:
    return WebhookEndpointSecret(
        **to_read(endpoint).model_dump(),
        secret=endpoint.secret,
        previous_secret_expires_at=endpoint.previous_secret_expires_at,
    )


def _sees(identity: Identity, endpoint: WebhookEndpoint) -> bool:
    return identity.role is Role.ADMIN or (
        identity.partner is not None and endpoint.partner == identity.partner
    )


_DeliveryPage = tuple[list[WebhookDeliveryRead], str | None]


@dataclass(frozen=True)
class SafeUrl:
    """A URL that passed the SSRF guard: made by :func:`safe_url` only."""

    value: str


async def safe_url(url: str, allowed_hosts: Collection[str]) -> SafeUrl:
    """Check ``url`` for webhooks (422 on ``url`` with the reason). Called before the
    transaction: resolving the host can take seconds, and on SQLite the transaction of a
    write holds the one write lock every other writer waits for."""
    try:
        await check_url(url, allowed_hosts)
    except UnsafeUrl as exc:
        raise InvalidInput("url", str(exc)) from exc
    return SafeUrl(url)


class WebhookEndpointService:
    async def create(
        self,
        session: AsyncSession,
        *,
        data: WebhookEndpointCreate,
        identity: Identity,
        url: SafeUrl,
    ) -> WebhookEndpointSecret:
        """Store a new endpoint at ``url`` (``data.url`` once checked), owned by the caller's
        partner (none for an admin)."""
        _check_subscribable(data.event_types, identity)
        if identity.role is Role.PARTNER:
            owned = await repository.count_of_partner(session, identity.partner)
            if owned >= MAX_ENDPOINTS_PER_PARTNER:
                raise TooManyEndpoints(
                    f"Partner {identity.partner} has {owned} endpoints, the most allowed: "
                    "delete one or subscribe an existing one to more event types.",
                    limit=MAX_ENDPOINTS_PER_PARTNER,
                )
        endpoint = WebhookEndpoint(
            id=new_endpoint_id(),
            url=url.value,
            event_types=data.event_types,
            description=data.description,
            partner=identity.partner if identity.role is Role.PARTNER else None,
            secret=new_secret(),
            created_by=identity.subject,
            created_at=utcnow(),
        )
        session.add(endpoint)
        await session.flush()
        return _with_secret(endpoint)

    async def get(
        self, session: AsyncSession, *, endpoint_id: str, identity: Identity
    ) -> WebhookEndpoint:
        """The endpoint, if the caller may see it (another partner's is a 404)."""
        endpoint = await repository.get(session, endpoint_id)
        if endpoint is None or not _sees(identity, endpoint):
            raise WebhookEndpointNotFound(f"No webhook endpoint {endpoint_id}.")
        return endpoint

    async def list(
        self, session: AsyncSession, *, identity: Identity, params: PageParams
    ) -> tuple[list[WebhookEndpoint], str | None]:
        """A page of the caller's endpoints (every endpoint for an admin), newest first."""
        before = TIME_TEXT.decode(params.after)
        rows = await repository.newest_first(
            session,
            partner=identity.partner,
            every_owner=identity.role is Role.ADMIN,
            before=before,
            limit=params.limit + 1,
        )
        return TIME_TEXT.page(rows, params, lambda e: (e.created_at, e.id))

    async def deliveries(
        self, session: AsyncSession, *, endpoint_id: str, identity: Identity, params: PageParams
    ) -> _DeliveryPage:
        """A page of the endpoint's deliveries, newest first, each with its attempts."""
        endpoint = await self.get(session, endpoint_id=endpoint_id, identity=identity)
        before = TIME_TEXT.decode(params.after)
        rows = await repository.deliveries_newest_first(
            session, endpoint_id=endpoint.id, before=before, limit=params.limit + 1
        )
        page, next_cursor = TIME_TEXT.page(rows, params, lambda d: (d.created_at, d.id))
        return await _delivery_reads(session, page), next_cursor

    async def delivery(
        self, session: AsyncSession, *, endpoint_id: str, delivery_id: str, identity: Identity
    ) -> WebhookDeliveryRead:
        """One delivery of an endpoint the caller may see, with its attempts."""
        delivery = await self._delivery(
            session, endpoint_id=endpoint_id, delivery_id=delivery_id, identity=identity
        )
        return (await _delivery_reads(session, [delivery]))[0]

    async def _delivery(
        self, session: AsyncSession, *, endpoint_id: str, delivery_id: str, identity: Identity
    ) -> WebhookDelivery:
        endpoint = await self.get(session, endpoint_id=endpoint_id, identity=identity)
        delivery = await repository.get_delivery(
            session, endpoint_id=endpoint.id, delivery_id=delivery_id
        )
        if delivery is None:
            raise WebhookDeliveryNotFound(f"No delivery {delivery_id} to endpoint {endpoint_id}.")
        return delivery

    async def update(
        self,
        session: AsyncSession,
        *,
        endpoint_id: str,
        data: WebhookEndpointUpdate,
        identity: Identity,
        url: SafeUrl | None = None,
    ) -> WebhookEndpoint:
        """Change what the caller sent (a new URL as ``url``, ``data.url`` once checked);
        re-enabling forgets the failures that disabled the endpoint."""
        endpoint = await self.get(session, endpoint_id=endpoint_id, identity=identity)
        given = data.model_fields_set
        for name in ("url", "event_types", "disabled"):
            if name in given and getattr(data, name) is None:
                raise InvalidInput(name, "may be left out, not null")
        if data.url is not None:
            if url is None or url.value != data.url:
                raise ValueError("a new URL is checked with safe_url() first")
            endpoint.url = url.value
        if data.event_types is not None:
            _check_subscribable(data.event_types, identity)
            endpoint.event_types = data.event_types
        if "description" in given:
            endpoint.description = data.description
        if data.disabled is True and endpoint.disabled_at is None:
            endpoint.disabled_at = utcnow()
            endpoint.disabled_reason = f"disabled by {identity.subject}"
        elif data.disabled is False and endpoint.disabled_at is not None:
            endpoint.disabled_at = None
            endpoint.disabled_reason = None
            endpoint.failing_since = None
        await session.flush()
        return endpoint

    async def resend(
        self, session: AsyncSession, *, endpoint_id: str, delivery_id: str, identity: Identity
    ) -> WebhookDeliveryRead:
        """Queue a settled delivery again, now, with the same ``webhook-id`` and a fresh
        retry schedule (a pending one is already queued: 409)."""
        delivery = await self._delivery(
            session, endpoint_id=endpoint_id, delivery_id=delivery_id, identity=identity
        )
        if delivery.status == "pending":
            raise WebhookDeliveryPending(
                f"Delivery {delivery_id} is already waiting to be sent (next attempt at "
                f"{delivery.next_attempt_at.isoformat() if delivery.next_attempt_at else '?'})."
            )
        delivery.status = "pending"
        delivery.attempts = 0
        delivery.next_attempt_at = utcnow()
        await session.flush()
        return (await _delivery_reads(session, [delivery]))[0]

    async def recover(
        self, session: AsyncSession, *, endpoint_id: str, data: WebhookRecover, identity: Identity
    ) -> WebhookRecoverResult:
        """Queue again the endpoint's failed deliveries created since ``data.since`` (every
        settled one with ``include_succeeded``), as Svix's recover does."""
        endpoint = await self.get(session, endpoint_id=endpoint_id, identity=identity)
        now = utcnow()
        if data.since > now:
            raise InvalidInput("since", "is in the future")
        statuses = ("failed", "succeeded") if data.include_succeeded else ("failed",)
        requeued = await repository.requeue_since(
            session, endpoint_id=endpoint.id, since=data.since, statuses=statuses, now=now
        )
        pending = await repository.count_pending(session, endpoint.id)
        return WebhookRecoverResult(since=data.since, requeued=requeued, pending=pending)

    async def delete(self, session: AsyncSession, *, endpoint_id: str, identity: Identity) -> None:
        endpoint = await self.get(session, endpoint_id=endpoint_id, identity=identity)
        await repository.delete_deliveries(session, endpoint.id)
        await repository.delete(session, endpoint)
        await session.flush()

    async def rotate(
        self,
        session: AsyncSession,
        *,
        endpoint_id: str,
        identity: Identity,
        grace: timedelta,
    ) -> WebhookEndpointSecret:
        """A new secret; the current one keeps signing (beside it) for ``grace``."""
        endpoint = await self.get(session, endpoint_id=endpoint_id, identity=identity)
        rotate_secret(endpoint, now=utcnow(), grace=grace)
        await session.flush()
        return _with_secret(endpoint)


async def _delivery_reads(
    session: AsyncSession, deliveries: Sequence[WebhookDelivery]
) -> list[WebhookDeliveryRead]:
    attempts: dict[str, list[WebhookAttemptRead]] = {d.id: [] for d in deliveries}
    for attempt in await repository.attempts_of(session, [d.id for d in deliveries]):
        attempts[attempt.delivery_id].append(
            WebhookAttemptRead.model_validate(attempt, from_attributes=True)
        )
    return [
        WebhookDeliveryRead(
            id=d.id,
            event_id=d.event_id,
            event_type=d.event_type,
            status=d.status,
            next_attempt_at=d.next_attempt_at,
            created_at=d.created_at,
            attempts=attempts[d.id],
        )
        for d in deliveries
    ]


webhook_endpoint_service = WebhookEndpointService()
