"""Every query on ``api_keys``."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.api_keys.models import ApiKey


async def get(session: AsyncSession, key_id: str) -> ApiKey | None:
    return await session.get(ApiKey, key_id)


async def by_hash(session: AsyncSession, secret_hash: str) -> ApiKey | None:
    result = await session.execute(sa.select(ApiKey).where(ApiKey.secret_hash == secret_hash))
    return result.scalar_one_or_none()


async def newest_first(
    session: AsyncSession, *, before: tuple[datetime, uuid.UUID | str] | None, limit: int
) -> Sequence[ApiKey]:
    """Keys from the newest, after the cursor ``before`` (its ``created_at`` and ``id``)."""
    query = sa.select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc()).limit(limit)
    if before is not None:
        moment, key_id = before
        query = query.where(
            sa.or_(
                ApiKey.created_at < moment,
                sa.and_(ApiKey.created_at == moment, ApiKey.id < str(key_id)),
            )
        )
    return (await session.execute(query)).scalars().all()


async def record_use(session: AsyncSession, key_id: str, when: datetime) -> None:
    """Set ``last_used_at`` unless a later use is already recorded (another process)."""
    await session.execute(
        sa.update(ApiKey)
        .where(
            ApiKey.id == key_id,
            sa.or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < when),
        )
        .values(last_used_at=when)
    )
