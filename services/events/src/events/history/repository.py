"""Every query on the history of events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from events.agenda.models import Event, EventChange


class EventChangeRepository:
    async def event(self, session: AsyncSession, event_id: uuid.UUID) -> Event | None:
        """The event, deleted or not (its history outlives it)."""
        return await session.get(Event, event_id)

    async def list_for_event(
        self, session: AsyncSession, *, event_id: uuid.UUID, after: int | None, limit: int
    ) -> Sequence[EventChange]:
        """An event's changes, oldest first, after the change id ``after``."""
        query = sa.select(EventChange).where(EventChange.event_id == event_id)
        if after is not None:
            query = query.where(EventChange.id > after)
        query = query.order_by(EventChange.id).limit(limit)
        return (await session.scalars(query)).all()


event_change_repository = EventChangeRepository()
