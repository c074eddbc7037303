"""Queries on the actor projection: one actor, and the actors an audience matches."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kit.projections import final_survivor, rows_by_id
from surveys.actors.models import KnownActor


@dataclass(frozen=True)
class ActorFilter:
    """An audience written as the directory's filters: each list is "any of", the filters
    together are "all of". Empty means everyone (live actors only, unless ``statuses``)."""

    types: Sequence[str] = ()
    circles: Sequence[int] = ()
    clubs: Sequence[str] = ()
    themes: Sequence[str] = ()
    departments: Sequence[str] = ()
    regions: Sequence[str] = ()
    member: bool | None = None
    statuses: Sequence[str] = field(default=("active",))
    ids: Sequence[uuid.UUID] = ()


def _contains_any(column: Any, values: Sequence[str]) -> sa.ColumnElement[bool]:
    """A JSON array column of vocabulary codes holding at least one of ``values``; the same
    text test on both backends (codes are ``[a-z0-9_]`` only, checked by the audience schema,
    and quotes delimit them inside the array's text)."""
    as_text = sa.cast(column, sa.Text)
    return sa.or_(*[as_text.like(f'%"{value}"%') for value in values])


class KnownActorRepository:
    async def get(self, session: AsyncSession, actor_id: uuid.UUID) -> KnownActor | None:
        return await session.get(KnownActor, actor_id)

    async def get_many(
        self, session: AsyncSession, actor_ids: Iterable[uuid.UUID]
    ) -> dict[uuid.UUID, KnownActor]:
        return await rows_by_id(session, KnownActor, actor_ids)

    async def matching(self, session: AsyncSession, audience: ActorFilter) -> Sequence[KnownActor]:
        """The live actors ``audience`` matches, by name (deleted and merged ones never)."""
        query = sa.select(KnownActor).where(
            KnownActor.deleted_at.is_(None), KnownActor.merged_into.is_(None)
        )
        if audience.statuses:
            query = query.where(KnownActor.status.in_(audience.statuses))
        if audience.ids:
            query = query.where(KnownActor.id.in_(audience.ids))
        if audience.circles:
            query = query.where(KnownActor.circle.in_(audience.circles))
        if audience.departments:
            query = query.where(KnownActor.department.in_(audience.departments))
        if audience.regions:
            query = query.where(KnownActor.region.in_(audience.regions))
        if audience.member is not None:
            query = query.where(KnownActor.member.is_(audience.member))
        for column, values in (
            (KnownActor.types, audience.types),
            (KnownActor.clubs, audience.clubs),
            (KnownActor.themes, audience.themes),
        ):
            if values:
                query = query.where(_contains_any(column, values))
        return (await session.scalars(query.order_by(KnownActor.name, KnownActor.id))).all()

    async def final_survivor(self, session: AsyncSession, actor_id: uuid.UUID) -> uuid.UUID:
        """Where ``actor_id`` lives on, following the merges heard of (itself if none)."""
        return await final_survivor(session, KnownActor, actor_id)


known_actor_repository = KnownActorRepository()
