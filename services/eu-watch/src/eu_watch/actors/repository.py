"""Queries on the actor projection."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from eu_watch.actors.models import KnownActor


@dataclass(frozen=True)
class ActorFilters:
    """Which actors a call is matched against (the directory's filters, by default the
    network's active members of circles 1 and 2)."""

    circles: tuple[int, ...] = (1, 2)
    types: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    members_only: bool = True


@dataclass(frozen=True)
class ActorProfile:
    """What matching reads of an actor (plain values: thousands are scored per request)."""

    id: uuid.UUID
    name: str
    types: frozenset[str]
    circle: int | None
    themes: frozenset[str]
    #: The stems of its name and description, each between spaces (`` ocean scienc ``).
    description_terms: str
    region: str | None
    department: str | None
    member: bool
    active: bool


_COLUMNS = (
    KnownActor.id,
    KnownActor.name,
    KnownActor.types,
    KnownActor.circle,
    KnownActor.themes,
    KnownActor.description_terms,
    KnownActor.region,
    KnownActor.department,
    KnownActor.member,
    KnownActor.status,
)


def _profile(row: Any) -> ActorProfile:
    actor_id, name, types, circle, themes, terms, region, department, member, status = row
    return ActorProfile(
        id=actor_id,
        name=str(name),
        types=frozenset(str(types or "").split()),
        circle=circle,
        themes=frozenset(str(themes or "").split()),
        description_terms=str(terms or ""),
        region=region,
        department=department,
        member=bool(member),
        active=status == "active",
    )


class KnownActorRepository:
    async def get(self, session: AsyncSession, actor_id: uuid.UUID) -> KnownActor | None:
        return await session.get(KnownActor, actor_id)

    async def profile(self, session: AsyncSession, actor_id: uuid.UUID) -> ActorProfile | None:
        row = (
            await session.execute(
                sa.select(*_COLUMNS).where(
                    KnownActor.id == actor_id, KnownActor.deleted_at.is_(None)
                )
            )
        ).first()
        return _profile(row) if row is not None else None

    async def profiles(
        self,
        session: AsyncSession,
        filters: ActorFilters,
        *,
        themes: Iterable[str] | None = None,
        stems: Iterable[str] | None = None,
    ) -> Sequence[ActorProfile]:
        """The live, active actors ``filters`` select; given ``themes`` and ``stems``, only
        those with one of the themes or one of the stems in their description (the others
        cannot match a call, and need not be read)."""
        query = sa.select(*_COLUMNS).where(
            KnownActor.deleted_at.is_(None),
            KnownActor.merged_into.is_(None),
            KnownActor.status == "active",
        )
        if themes is not None or stems is not None:
            wanted = [KnownActor.themes.contains(f" {t} ", autoescape=True) for t in themes or ()]
            wanted += [
                KnownActor.description_terms.contains(f" {s} ", autoescape=True)
                for s in stems or ()
            ]
            query = query.where(sa.or_(*wanted) if wanted else sa.false())
        if filters.members_only:
            query = query.where(KnownActor.member.is_(True))
        if filters.circles:
            query = query.where(KnownActor.circle.in_(filters.circles))
        if filters.regions:
            query = query.where(KnownActor.region.in_(filters.regions))
        if filters.departments:
            query = query.where(KnownActor.department.in_(filters.departments))
        rows = (await session.execute(query)).all()
        profiles = [_profile(row) for row in rows]
        if filters.types:
            types = set(filters.types)
            profiles = [p for p in profiles if p.types & types]
        return profiles


known_actor_repository = KnownActorRepository()
