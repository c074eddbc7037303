"""Searching the directory: full text, filters, map queries, facets, sorts and sync.

One :class:`ActorSearch` describes a request; :func:`search_page` turns it into keyset-paged
SQL that runs unchanged on SQLite and PostgreSQL, and :func:`facet_counts` counts each
requested facet under all the *other* filters (so a user can widen a facet it filtered on).
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from directory.actors.fulltext import apply_match, query_terms
from directory.actors.models import Actor, ActorTag
from directory.actors.tags import TAG_FIELDS
from kit.db import Database, dialect_of
from kit.paging import Cursor, moment, record_id, text
from kit.problems import InvalidInput

KM_PER_DEGREE = 111.32
#: Facets computed from plain columns (the others come from actor_tags).
COLUMN_FACETS = {
    "circle": Actor.circle,
    "department": Actor.department,
    "region": Actor.region,
    "status": Actor.status,
    "member": Actor.member,
}
FACETS = frozenset(COLUMN_FACETS) | frozenset(TAG_FIELDS)


class Sort(StrEnum):
    NAME = "name"
    RELEVANCE = "relevance"
    UPDATED = "updated"
    DISTANCE = "distance"


@dataclass(frozen=True)
class Near:
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True)
class ActorSearch:
    """Everything a list request can ask for."""

    q: str | None = None
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    circle: tuple[int, ...] = ()
    department: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    commune_insee: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    member: bool | None = None
    near: Near | None = None
    bbox: BBox | None = None
    updated_since: datetime | None = None
    sort: Sort | None = None

    @property
    def effective_sort(self) -> Sort:
        if self.updated_since is not None:
            return Sort.UPDATED
        if self.sort is not None:
            return self.sort
        if self.q and query_terms(self.q):
            return Sort.RELEVANCE
        if self.near is not None:
            return Sort.DISTANCE
        return Sort.NAME

    def without(self, facet: str) -> ActorSearch:
        """The same search without the filter of ``facet``."""
        if facet in TAG_FIELDS:
            return replace(self, tags={k: v for k, v in self.tags.items() if k != facet})
        if facet == "member":
            return replace(self, member=None)
        changes: dict[str, Any] = {facet: ()}
        return replace(self, **changes)


def _filtered(search: ActorSearch, dialect: str) -> tuple[sa.Select[Any], Any, Any]:
    """The filtered select with its rank and squared distance expressions (or None)."""
    query = sa.select(Actor)
    if search.updated_since is None:
        query = query.where(Actor.deleted_at.is_(None))
    rank = None
    stems = query_terms(search.q) if search.q else []
    if search.q and not stems:
        raise InvalidInput("query.q", "type at least one letter or digit")
    if stems:
        query, rank = apply_match(query, dialect, stems)
    query = _with_tag_filters(query, search, narrowed=bool(stems))
    column_filters: list[tuple[Any, Sequence[Any]]] = [
        (Actor.circle, search.circle),
        (Actor.department, search.department),
        (Actor.region, search.region),
        (Actor.commune_insee, search.commune_insee),
        (Actor.status, search.status),
    ]
    for column, accepted in column_filters:
        if accepted:
            query = query.where(column.in_(accepted))
    if search.member is not None:
        query = query.where(Actor.member.is_(search.member))
    if search.bbox is not None:
        box = search.bbox
        query = query.where(
            Actor.lat.between(box.min_lat, box.max_lat), Actor.lon.between(box.min_lon, box.max_lon)
        )
    distance2 = None
    if search.near is not None:
        query, distance2 = _within(query, search.near)
    if search.updated_since is not None:
        query = query.where(Actor.updated_at >= search.updated_since)
    return query, rank, distance2


def _with_tag_filters(query: Any, search: ActorSearch, *, narrowed: bool) -> Any:
    """Keep actors holding one of the wanted values of each filtered multi-valued field.

    With another narrowing filter, probing each candidate's tags (EXISTS on the primary key)
    beats materialising every actor that holds a common tag; alone, the tag list drives.
    """
    narrowed = narrowed or bool(
        search.department or search.region or search.commune_insee or search.near or search.bbox
    )
    for facet, values in search.tags.items():
        if values:
            tagged = sa.select(ActorTag.actor_id).where(
                ActorTag.facet == facet, ActorTag.value.in_(values)
            )
            if narrowed:
                query = query.where(tagged.where(ActorTag.actor_id == Actor.id).exists())
            else:
                query = query.where(Actor.id.in_(tagged))
    return query


def _within(query: sa.Select[Any], near: Near) -> tuple[sa.Select[Any], Any]:
    """Keep actors within ``near.radius_km`` and return the squared distance in km².

    An equirectangular projection around the centre: plain arithmetic both backends compute
    identically, within 0.5 % of the great-circle distance at the radii a map uses. The
    bounding box in front lets the (lat, lon) index do most of the work.
    """
    dlat = near.radius_km / KM_PER_DEGREE
    cos_lat = max(math.cos(math.radians(near.lat)), 1e-6)
    dlon = dlat / cos_lat
    dy = (Actor.lat - near.lat) * KM_PER_DEGREE
    dx = (Actor.lon - near.lon) * (KM_PER_DEGREE * cos_lat)
    distance2 = dx * dx + dy * dy
    query = query.where(
        Actor.lat.between(near.lat - dlat, near.lat + dlat),
        Actor.lon.between(near.lon - dlon, near.lon + dlon),
        distance2 <= near.radius_km**2,
    )
    return query, distance2


def filtered_ids(search: ActorSearch, dialect: str) -> Any:
    """A subquery of the ids of the actors the search selects (column ``id``)."""
    query, _, _ = _filtered(search, dialect)
    return query.with_only_columns(Actor.id).subquery()


@dataclass
class SearchPage:
    actors: list[Actor]
    next: str | None
    distances_km: dict[uuid.UUID, float]


async def search_page(
    session: AsyncSession, search: ActorSearch, *, limit: int, after: str | None
) -> SearchPage:
    """One page of results in the search's sort order, with the cursor of the next."""
    dialect = dialect_of(session)
    query, rank, distance2 = _filtered(search, dialect)
    sort = search.effective_sort
    if sort is Sort.RELEVANCE and rank is None:
        raise InvalidInput("query.sort", "relevance needs a q to rank by")
    if sort is Sort.DISTANCE and distance2 is None:
        raise InvalidInput("query.sort", "distance needs near=lat,lon")
    # Each sort is a keyset (key, id); descending keys are negated so all compare upwards.
    key: Any = {
        Sort.NAME: Actor.name_key,
        Sort.UPDATED: Actor.updated_at,
        Sort.RELEVANCE: -rank if rank is not None else None,
        Sort.DISTANCE: distance2,
    }[sort]
    labelled = key.label("sort_key")
    query = query.add_columns(labelled)
    cursor = CURSORS[sort]
    after_key = cursor.decode(after)
    if after_key is not None:
        cursor_key, cursor_id = after_key
        query = query.where(
            sa.or_(key > cursor_key, sa.and_(key == cursor_key, Actor.id > cursor_id))
        )
    rows = (await session.execute(query.order_by(key, Actor.id).limit(limit + 1))).all()
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit and page:
        last_actor, last_key = page[-1]
        next_cursor = cursor.encode((last_key, last_actor.id))
    distances = (
        {actor.id: round(math.sqrt(max(value, 0.0)), 3) for actor, value in page}
        if sort is Sort.DISTANCE
        else {}
    )
    return SearchPage(actors=[actor for actor, _ in page], next=next_cursor, distances_km=distances)


def _sort_value_json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _actor_cursor(sort_value: Callable[[Any], Any]) -> Cursor[tuple[Any, uuid.UUID]]:
    return Cursor(
        2,
        lambda raw: (sort_value(raw[0]), record_id(raw[1])),
        lambda key: [_sort_value_json(key[0]), str(key[1])],
    )


#: Each sort's keyset (its sort value, then the actor's id) as a cursor.
CURSORS: dict[Sort, Cursor[tuple[Any, uuid.UUID]]] = {
    Sort.NAME: _actor_cursor(text),
    Sort.UPDATED: _actor_cursor(moment),
    Sort.RELEVANCE: _actor_cursor(float),
    Sort.DISTANCE: _actor_cursor(float),
}


async def facet_counts(
    database: Database, search: ActorSearch, facets: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """For each facet, the count of each value under every filter but the facet's own.

    Facets whose own filter is not set share the search's own result set: all such
    multi-valued facets are counted by one query over actor_tags. The counting queries are
    independent reads, so each runs in its own short read transaction, concurrently (on
    PostgreSQL that is several backends at once; the list page runs beside them).
    """
    dialect = "sqlite" if database.is_sqlite else "postgresql"
    queries: list[tuple[list[str], Any]] = []
    shared_tags = [f for f in facets if f in TAG_FIELDS and not search.tags.get(f)]
    if shared_tags:
        ids = filtered_ids(search, dialect)
        queries.append(
            (
                shared_tags,
                sa.select(ActorTag.facet, ActorTag.value, sa.func.count())
                .where(ActorTag.facet.in_(shared_tags), ActorTag.actor_id.in_(sa.select(ids.c.id)))
                .group_by(ActorTag.facet, ActorTag.value),
            )
        )
    for facet in facets:
        if facet in shared_tags:
            continue
        ids = filtered_ids(search.without(facet), dialect)
        if facet in TAG_FIELDS:
            counts: Any = (
                sa.select(sa.literal(facet), ActorTag.value, sa.func.count())
                .where(ActorTag.facet == facet, ActorTag.actor_id.in_(sa.select(ids.c.id)))
                .group_by(ActorTag.value)
            )
        else:
            column = COLUMN_FACETS[facet]
            counts = (
                sa.select(sa.literal(facet), column, sa.func.count())
                .where(Actor.id.in_(sa.select(ids.c.id)), column.is_not(None))
                .group_by(column)
            )
        queries.append(([facet], counts))

    async def run(query: Any) -> list[Any]:
        async with database.transaction(write=False) as session:
            return list(await session.execute(query))

    results = await asyncio.gather(*(run(query) for _, query in queries))
    counted: dict[str, list[tuple[Any, int]]] = {facet: [] for facet in facets}
    for rows in results:
        for facet, value, count in rows:
            counted[facet].append((value, count))
    return {
        facet: sorted(
            ({"value": value, "count": count} for value, count in counted[facet]),
            key=lambda item: (-item["count"], str(item["value"])),
        )
        for facet in facets
    }
