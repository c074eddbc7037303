"""Every query on calls."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from eu_watch.calls.models import Call


class CallRepository:
    async def get(self, session: AsyncSession, call_id: uuid.UUID) -> Call | None:
        call = await session.get(Call, call_id)
        return call if call is not None and call.deleted_at is None else None

    async def identifier_taken(self, session: AsyncSession, identifier: str) -> bool:
        found = await session.scalar(sa.select(Call.id).where(Call.identifier == identifier))
        return found is not None

    async def list_after(
        self, session: AsyncSession, *, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> Sequence[Call]:
        query = sa.select(Call).where(Call.deleted_at.is_(None))
        if after is not None:
            query = query.where(sa.tuple_(Call.created_at, Call.id) > sa.tuple_(*after))
        query = query.order_by(Call.created_at, Call.id).limit(limit)
        return (await session.scalars(query)).all()


call_repository = CallRepository()
