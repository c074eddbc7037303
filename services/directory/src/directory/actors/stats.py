"""Network statistics: the "répartition des adhérents par famille" and its evolution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from directory.actors.models import Actor, ActorTag
from directory.actors.search import COLUMN_FACETS, ActorSearch, filtered_ids
from directory.actors.tags import TAG_FIELDS
from kit.db import dialect_of

GROUPABLE = frozenset(COLUMN_FACETS) | frozenset(TAG_FIELDS)


async def actor_stats(
    session: AsyncSession, search: ActorSearch, group_by: Sequence[str]
) -> dict[str, Any]:
    """Counts of actors and members, grouped by ``group_by``, under the search's filters.

    An actor with several types (or clubs, themes, audiences) counts once in each.
    """
    ids = filtered_ids(search, dialect_of(session))
    member_count = sa.func.sum(sa.case((Actor.member.is_(True), 1), else_=0))
    totals = (
        await session.execute(
            sa.select(sa.func.count(), member_count).where(Actor.id.in_(sa.select(ids.c.id)))
        )
    ).one()
    columns: list[Any] = []
    query = sa.select(Actor.id).where(Actor.id.in_(sa.select(ids.c.id)))
    for facet in group_by:
        if facet in TAG_FIELDS:
            tag = aliased(ActorTag, name=f"tag_{facet}")
            query = query.join(tag, sa.and_(tag.actor_id == Actor.id, tag.facet == facet))
            columns.append(tag.value.label(facet))
        else:
            columns.append(COLUMN_FACETS[facet].label(facet))
    grouped = (
        query.with_only_columns(
            *columns, sa.func.count().label("count"), member_count.label("members")
        )
        .group_by(*columns)
        .order_by(*columns)
    )
    groups = [dict(row._mapping) for row in await session.execute(grouped)] if columns else []
    return {
        "total": int(totals[0] or 0),
        "members": int(totals[1] or 0),
        "non_members": int((totals[0] or 0) - (totals[1] or 0)),
        "groups": groups,
        "membership_by_year": await _membership_by_year(session, ids),
    }


async def _membership_by_year(session: AsyncSession, ids: Any) -> list[dict[str, int]]:
    """New members each year (by ``membership.since``) and the running total."""
    year = sa.extract("year", Actor.member_since)
    rows = await session.execute(
        sa.select(year, sa.func.count())
        .where(
            Actor.id.in_(sa.select(ids.c.id)),
            Actor.member.is_(True),
            Actor.member_since.is_not(None),
        )
        .group_by(year)
        .order_by(year)
    )
    result, running = [], 0
    for joined_year, joined in rows:
        running += int(joined)
        result.append({"year": int(joined_year), "joined": int(joined), "members": running})
    return result
