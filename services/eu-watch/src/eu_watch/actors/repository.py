"""Queries on the actor projection."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from eu_watch.actors.models import KnownActor, KnownActorTerm
from kit.db import dialect_of

if TYPE_CHECKING:  # matching's rules read the profiles defined here
    from eu_watch.matching.policies import ScorePlan

#: How a theme is written among an actor's terms (stems are plain ``[a-z0-9]+`` words).
THEME_TERM = "theme:"


def theme_term(theme: str) -> str:
    return f"{THEME_TERM}{theme}"


def actor_terms(*, themes: str, description_terms: str) -> list[str]:
    """The terms an actor is found by: its themes, and the stems of its name and description
    (both given as stored, words between spaces)."""
    return list(
        dict.fromkeys([*(theme_term(t) for t in themes.split()), *description_terms.split()])
    )


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
            wanted = [theme_term(t) for t in themes or ()] + list(stems or ())
            query = query.where(
                KnownActor.id.in_(
                    sa.select(KnownActorTerm.actor_id).where(KnownActorTerm.term.in_(wanted))
                )
                if wanted
                else sa.false()
            )
        query = query.where(*_selected(filters))
        rows = (await session.execute(query)).all()
        return [_profile(row) for row in rows]

    async def best_scored(
        self, session: AsyncSession, plan: ScorePlan, filters: ActorFilters, *, limit: int
    ) -> Sequence[ActorProfile]:
        """The ``limit`` live, active actors ``filters`` select with the best scores under
        ``plan``, best first, ties by lowered name then id (as ``rank`` orders them).

        The database adds the points: the call's themes and terms are looked up in
        ``known_actor_terms`` (only the actors holding one are read), the type of action and
        the territory on those actors' rows."""
        parts: list[sa.Select[uuid.UUID, Any]] = []
        if plan.theme_points:
            points = {theme_term(t): p for t, p in plan.theme_points.items()}
            parts.append(
                sa.select(
                    KnownActorTerm.actor_id,
                    sa.func.sum(sa.case(points, value=KnownActorTerm.term, else_=0)).label(
                        "points"
                    ),
                )
                .where(KnownActorTerm.term.in_(list(points)))
                .group_by(KnownActorTerm.actor_id)
            )
        found: list[sa.Select[uuid.UUID]] = []
        for stems in plan.terms:
            holding = sa.select(KnownActorTerm.actor_id).where(
                KnownActorTerm.term.in_(sorted(stems))
            )
            if len(stems) > 1:  # every stem of the term (each held once: the key)
                holding = holding.group_by(KnownActorTerm.actor_id).having(
                    sa.func.count() == len(stems)
                )
            found.append(holding)
        if found:
            hits = sa.union_all(*found).subquery("term_hits")
            count = sa.func.count() * plan.term_points
            cap = plan.max_terms * plan.term_points
            parts.append(
                sa.select(
                    hits.c.actor_id, sa.case((count > cap, cap), else_=count).label("points")
                ).group_by(hits.c.actor_id)
            )
        if not parts:
            return []
        both = sa.union_all(*parts).subquery("points")
        base = (
            sa.select(both.c.actor_id, sa.func.sum(both.c.points).label("points"))
            .group_by(both.c.actor_id)
            .subquery("base")
        )
        total: sa.ColumnElement[int] = base.c.points
        if plan.suited_types:
            total = total + sa.case((_has_type(plan.suited_types), plan.action_points), else_=0)
        conditions = [
            KnownActor.deleted_at.is_(None),
            KnownActor.merged_into.is_(None),
            KnownActor.status == "active",
            *_selected(filters),
        ]
        if plan.regions:
            total = total + plan.territory_points
            conditions.append(KnownActor.region.in_(sorted(plan.regions)))
        name: sa.ColumnElement[str] | InstrumentedAttribute[str] = KnownActor.name_key
        if dialect_of(session) == "postgresql":
            name = sa.collate(KnownActor.name_key, "C")  # code points, as Python compares
        query = (
            sa.select(*_COLUMNS)
            .join_from(base, KnownActor, KnownActor.id == base.c.actor_id)
            .where(*conditions)
            .order_by(total.desc(), name, KnownActor.id)
            .limit(limit)
        )
        return [_profile(row) for row in (await session.execute(query)).all()]

    async def replace_terms(
        self, session: AsyncSession, actor_id: uuid.UUID, terms: Sequence[str]
    ) -> None:
        await session.execute(sa.delete(KnownActorTerm).where(KnownActorTerm.actor_id == actor_id))
        if terms:
            await session.execute(
                sa.insert(KnownActorTerm), [{"term": t, "actor_id": actor_id} for t in terms]
            )


def _has_type(types: Iterable[str]) -> sa.ColumnElement[bool]:
    return sa.or_(*(KnownActor.types.contains(f" {t} ", autoescape=True) for t in sorted(types)))


def _selected(filters: ActorFilters) -> list[sa.ColumnElement[bool]]:
    """The conditions of ``filters`` (membership, circles, territory, types)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.members_only:
        conditions.append(KnownActor.member.is_(True))
    if filters.circles:
        conditions.append(KnownActor.circle.in_(filters.circles))
    if filters.regions:
        conditions.append(KnownActor.region.in_(filters.regions))
    if filters.departments:
        conditions.append(KnownActor.department.in_(filters.departments))
    if filters.types:
        conditions.append(_has_type(filters.types))
    return conditions


known_actor_repository = KnownActorRepository()
