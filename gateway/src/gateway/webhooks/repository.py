"""Every query on ``webhook_endpoints``."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


async def get(session: AsyncSession, endpoint_id: str) -> WebhookEndpoint | None:
    return await session.get(WebhookEndpoint, endpoint_id)


async def newest_first(
    session: AsyncSession,
    *,
    partner: str | None,
    every_owner: bool,
    before: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[WebhookEndpoint]:
    """Endpoints from the newest, after the cursor ``before``; one partner's unless
    ``every_owner``."""
    query = (
        sa.select(WebhookEndpoint)
        .order_by(WebhookEndpoint.created_at.desc(), WebhookEndpoint.id.desc())
        .limit(limit)
    )
    if not every_owner:
        query = query.where(WebhookEndpoint.partner == partner)
    if before is not None:
        moment, endpoint_id = before
        query = query.where(
            sa.or_(
                WebhookEndpoint.created_at < moment,
                sa.and_(WebhookEndpoint.created_at == moment, WebhookEndpoint.id < endpoint_id),
            )
        )
    return (await session.execute(query)).scalars().all()


async def active(session: AsyncSession) -> Sequence[WebhookEndpoint]:
    """Every endpoint that still receives deliveries."""
    query = sa.select(WebhookEndpoint).where(WebhookEndpoint.disabled_at.is_(None))
    return (await session.execute(query)).scalars().all()


async def delete(session: AsyncSession, endpoint: WebhookEndpoint) -> None:
    await session.delete(endpoint)


async def delete_deliveries(session: AsyncSession, endpoint_id: str) -> None:
    """Forget the deliveries (and their attempts) of an endpoint being deleted."""
    ids = sa.select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint_id)
    await session.execute(sa.delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
    await session.execute(
        sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
    )


async def claim_due(
    session: AsyncSession,
    *,
    now: datetime,
    lease_until: datetime,
    exclude: Collection[str],
    limit: int,
) -> Sequence[tuple[WebhookDelivery, WebhookEndpoint]]:
    """Take pending deliveries whose time has come (to endpoints still enabled), oldest
    first, by moving their next attempt to ``lease_until``: another worker skips them, and
    they come back by themselves if this one dies before recording the attempt.

    Rows locked by another worker are skipped on PostgreSQL; SQLite serialises writers.
    """
    query = (
        sa.select(WebhookDelivery, WebhookEndpoint)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            WebhookEndpoint.disabled_at.is_(None),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.created_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )
    if exclude:
        query = query.where(WebhookDelivery.id.not_in(list(exclude)))
    claimed = [(row[0], row[1]) for row in await session.execute(query)]
    for delivery, _ in claimed:
        delivery.next_attempt_at = lease_until
    await session.flush()
    return claimed


async def deliveries_newest_first(
    session: AsyncSession, *, endpoint_id: str, before: tuple[datetime, str] | None, limit: int
) -> Sequence[WebhookDelivery]:
    query = (
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(limit)
    )
    if before is not None:
        moment, delivery_id = before
        query = query.where(
            sa.or_(
                WebhookDelivery.created_at < moment,
                sa.and_(WebhookDelivery.created_at == moment, WebhookDelivery.id < delivery_id),
            )
        )
    return (await session.execute(query)).scalars().all()


async def attempts_of(
    session: AsyncSession, delivery_ids: Sequence[str]
) -> Sequence[WebhookAttempt]:
    query = (
        sa.select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.id)
    )
    return (await session.execute(query)).scalars().all()
