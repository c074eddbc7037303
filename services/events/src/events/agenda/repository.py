"""Every query on one event and its organizers and timings (lists: search/repository.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabularies import EventState
from events.agenda.models import Event, EventOrganizer, EventTiming


class EventRepository:
    async def get(self, session: AsyncSession, event_id: uuid.UUID) -> Event | None:
        event = await session.get(Event, event_id)
        return event if event is not None and event.deleted_at is None else None

    async def get_even_deleted(self, session: AsyncSession, event_id: uuid.UUID) -> Event | None:
        """The event, deleted or not (a registrant's page still names a deleted event)."""
        return await session.get(Event, event_id)

    async def lock(self, session: AsyncSession, event_id: uuid.UUID) -> Event | None:
        """Read an event and lock its row until the transaction ends.

        Registrations serialise on this lock so that seats are never given twice: PostgreSQL
        takes a row lock (``FOR UPDATE``); SQLite ignores the clause, and needs nothing more
        since its writing transactions start with ``BEGIN IMMEDIATE`` and so run one at a time.
        """
        query = (
            sa.select(Event)
            .where(Event.id == event_id, Event.deleted_at.is_(None))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await session.scalars(query)).one_or_none()

    async def awaiting_moderation(
        self, session: AsyncSession, *, limit: int
    ) -> tuple[int, list[str]]:
        """How many live events wait for an animator's moderation, and the oldest titles."""
        waiting = sa.and_(Event.state == EventState.PENDING.value, Event.deleted_at.is_(None))
        count = await session.scalar(sa.select(sa.func.count()).where(waiting))
        titles = await session.scalars(
            sa.select(Event.title).where(waiting).order_by(Event.created_at).limit(limit)
        )
        return int(count or 0), list(titles)

    async def organizer_ids(
        self, session: AsyncSession, event_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[uuid.UUID]]:
        """Organizer ids of each event, in their given order."""
        if not event_ids:
            return {}
        rows = await session.execute(
            sa.select(EventOrganizer.event_id, EventOrganizer.actor_id)
            .where(EventOrganizer.event_id.in_(event_ids))
            .order_by(EventOrganizer.event_id, EventOrganizer.position)
        )
        result: dict[uuid.UUID, list[uuid.UUID]] = {event_id: [] for event_id in event_ids}
        for event_id, actor_id in rows:
            result[event_id].append(actor_id)
        return result

    async def replace_organizers(
        self, session: AsyncSession, event_id: uuid.UUID, actor_ids: Sequence[uuid.UUID]
    ) -> None:
        await session.execute(sa.delete(EventOrganizer).where(EventOrganizer.event_id == event_id))
        session.add_all(
            EventOrganizer(event_id=event_id, actor_id=actor_id, position=index)
            for index, actor_id in enumerate(actor_ids)
        )
        await session.flush()

    async def replace_timings(
        self,
        session: AsyncSession,
        event_id: uuid.UUID,
        timings: Sequence[tuple[datetime, datetime]],
    ) -> None:
        await session.execute(sa.delete(EventTiming).where(EventTiming.event_id == event_id))
        session.add_all(
            EventTiming(event_id=event_id, position=index, start_at=start, end_at=end)
            for index, (start, end) in enumerate(timings)
        )
        await session.flush()


event_repository = EventRepository()
