"""Every query on events."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from events.agenda.filters import EventFilters, Relative
from events.agenda.models import Event, EventOrganizer, EventTiming
from kit.models import utcnow

SelectT = TypeVar("SelectT", bound="sa.Select[*tuple[Any, ...]]")


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

    async def fingerprint(
        self, session: AsyncSession, *, states: Sequence[str] | None, filters: EventFilters
    ) -> tuple[int, datetime | None]:
        """How many live events match, and when the latest of them changed."""
        query = sa.select(sa.func.count(), sa.func.max(Event.updated_at)).where(
            Event.deleted_at.is_(None)
        )
        if states is not None:
            query = query.where(Event.state.in_(states))
        query = _filtered(query, filters, session.get_bind().dialect.name)
        count, latest = (await session.execute(query)).one()
        return int(count), latest

    async def list_after(
        self,
        session: AsyncSession,
        *,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
        states: Sequence[str] | None,
        filters: EventFilters | None = None,
    ) -> Sequence[Event]:
        """Live events by first start then id, after the cursor key, matching ``filters``."""
        query = sa.select(Event).where(Event.deleted_at.is_(None))
        if states is not None:
            query = query.where(Event.state.in_(states))
        if filters is not None:
            query = _filtered(query, filters, session.get_bind().dialect.name)
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


def _filtered(query: SelectT, filters: EventFilters, dialect: str) -> SelectT:
    if filters.ends_after is not None or filters.starts_before is not None:
        # A timing overlaps the window (multi-session events match only on their sessions).
        overlap = sa.select(EventTiming.event_id).where(EventTiming.event_id == Event.id)
        if filters.ends_after is not None:
            overlap = overlap.where(EventTiming.end_at > filters.ends_after)
        if filters.starts_before is not None:
            overlap = overlap.where(EventTiming.start_at < filters.starts_before)
        query = query.where(sa.exists(overlap))
    if filters.relative is not None:
        query = query.where(_relative(filters.relative))
    if filters.kinds:
        query = query.where(Event.kind.in_([k.value for k in filters.kinds]))
    if filters.statuses:
        query = query.where(Event.status.in_([s.value for s in filters.statuses]))
    if filters.departments:
        query = query.where(Event.department.in_(filters.departments))
    if filters.regions:
        query = query.where(Event.region.in_(filters.regions))
    if filters.organizer_ids:
        query = query.where(
            sa.exists(
                sa.select(EventOrganizer.event_id).where(
                    EventOrganizer.event_id == Event.id,
                    EventOrganizer.actor_id.in_(filters.organizer_ids),
                )
            )
        )
    if filters.themes:
        query = query.where(_has_any(Event.themes, [t.value for t in filters.themes], dialect))
    if filters.audiences:
        query = query.where(
            _has_any(Event.audiences, [a.value for a in filters.audiences], dialect)
        )
    return query


def _relative(relative: Relative) -> sa.ColumnElement[bool]:
    now = utcnow()
    if relative is Relative.PASSED:
        return Event.ends_at <= now
    sessions = sa.select(EventTiming.event_id).where(EventTiming.event_id == Event.id)
    if relative is Relative.UPCOMING:
        return sa.exists(sessions.where(EventTiming.start_at > now))
    return sa.exists(sessions.where(EventTiming.start_at <= now, EventTiming.end_at > now))


def _has_any(
    column: sa.orm.InstrumentedAttribute[list[str]], values: list[str], dialect: str
) -> sa.ColumnElement[bool]:
    """The JSON array ``column`` holds at least one of ``values``."""
    if dialect == "postgresql":
        return sa.or_(*(sa.type_coerce(column, JSONB).contains([v]) for v in values))
    items = sa.func.json_each(column).table_valued("value").alias("item")
    return sa.exists(sa.select(items.c.value).where(items.c.value.in_(values)))


event_repository = EventRepository()
