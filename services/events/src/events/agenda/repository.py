"""Every query on events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from events.agenda.models import Event, EventOrganizer


class EventRepository:
    async def get(self, session: AsyncSession, event_id: uuid.UUID) -> Event | None:
        event = await session.get(Event, event_id)
        return event if event is not None and event.deleted_at is None else None

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

    async def list_after(
        self,
        session: AsyncSession,
        *,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
        states: Sequence[str] | None,
    ) -> Sequence[Event]:
        """Live events by first start then id, after the cursor key."""
        query = sa.select(Event).where(Event.deleted_at.is_(None))
        if states is not None:
            query = query.where(Event.state.in_(states))
        if after is not None:
            starts_at, event_id = after
            query = query.where(
                sa.or_(
                    Event.starts_at > starts_at,
                    sa.and_(Event.starts_at == starts_at, Event.id > event_id),
                )
            )
        query = query.order_by(Event.starts_at, Event.id).limit(limit)
        return (await session.scalars(query)).all()


event_repository = EventRepository()
