"""Queries on the actor projection."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from events.agenda.models import Event, EventOrganizer
from events.organizers.models import KnownActor
from kit.projections import final_survivor, rows_by_id


class KnownActorRepository:
    async def get(self, session: AsyncSession, actor_id: uuid.UUID) -> KnownActor | None:
        return await session.get(KnownActor, actor_id)

    async def get_many(
        self, session: AsyncSession, actor_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, KnownActor]:
        return await rows_by_id(session, KnownActor, actor_ids)

    async def final_survivor(self, session: AsyncSession, actor_id: uuid.UUID) -> uuid.UUID:
        """Where ``actor_id`` lives on, following the merges the calendar heard of."""
        return await final_survivor(session, KnownActor, actor_id)

    async def fingerprint(self, session: AsyncSession) -> tuple[int, int]:
        """Changes whenever an actor is added or changed (versions only grow)."""
        count, versions = (
            await session.execute(
                sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(KnownActor.version), 0))
            )
        ).one()
        return int(count), int(versions)


class OrganizerRepository:
    """Queries on which actors organize which events, for the projection's needs."""

    async def lock_events_of(self, session: AsyncSession, actor_id: uuid.UUID) -> list[Event]:
        """The live events ``actor_id`` organizes, locked (in id order, so two consumers
        never deadlock) so that no concurrent change rewrites their organizers meanwhile."""
        organized = sa.select(EventOrganizer.event_id).where(EventOrganizer.actor_id == actor_id)
        query = (
            sa.select(Event)
            .where(Event.id.in_(organized), Event.deleted_at.is_(None))
            .order_by(Event.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(await session.scalars(query))

    async def replace_actor(self, session: AsyncSession, *, old: uuid.UUID, new: uuid.UUID) -> None:
        """Put ``new`` wherever ``old`` organizes, in its place; where ``new`` already
        organizes the same event, ``old`` is simply dropped (no actor twice on an event)."""
        both = sa.select(EventOrganizer.event_id).where(EventOrganizer.actor_id == new)
        await session.execute(
            sa.delete(EventOrganizer).where(
                EventOrganizer.actor_id == old, EventOrganizer.event_id.in_(both)
            )
        )
        await session.execute(
            sa.update(EventOrganizer).where(EventOrganizer.actor_id == old).values(actor_id=new)
        )


known_actor_repository = KnownActorRepository()
organizer_repository = OrganizerRepository()
