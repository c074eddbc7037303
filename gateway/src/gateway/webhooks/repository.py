"""Every query on ``webhook_endpoints``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.webhooks.models import WebhookEndpoint


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
