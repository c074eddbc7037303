"""The calendar's list: plain, or incremental sync with tombstones; facet counts beside it."""

from __future__ import annotations

import asyncio
import heapq
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabularies import EventState
from events.agenda.filters import EventFilters
from events.agenda.models import Event
from events.agenda.repository import event_repository
from events.agenda.service import _visible_states, event_service
from events.search.models import EventTombstone
from events.search.schemas import EventListPage, EventTombstoneRead, FacetCount
from kit.db import Database
from kit.identity import Identity
from kit.paging import TIME_ID, PageParams

PUBLIC_STATES = [EventState.PUBLISHED.value]


class EventSearchService:
    async def list_page(
        self,
        session: AsyncSession,
        *,
        identity: Identity,
        paging: PageParams,
        filters: EventFilters,
        facets: Sequence[str] = (),
        updated_since: datetime | None = None,
        database: Database | None = None,
    ) -> EventListPage:
        """One page of the list: by first start, or by change time with tombstones.

        Given the ``database``, facet counts run in their own read transaction beside the
        page's queries (another connection: on PostgreSQL another backend, in parallel).
        """
        after = TIME_ID.decode(paging.after)
        counting = (
            asyncio.ensure_future(
                self._facets_apart(database, identity=identity, filters=filters, facets=facets)
            )
            if facets and database is not None
            else None
        )
        try:
            page = await self._page(
                session,
                identity=identity,
                paging=paging,
                after=after,
                filters=filters,
                updated_since=updated_since,
            )
            if counting is not None:
                page.facets = await counting
            elif facets:
                page.facets = await self._facets(
                    session, identity=identity, filters=filters, facets=facets
                )
        except BaseException:
            if counting is not None:
                counting.cancel()
                await asyncio.gather(counting, return_exceptions=True)
            raise
        return page

    async def _page(
        self,
        session: AsyncSession,
        *,
        identity: Identity,
        paging: PageParams,
        after: tuple[datetime, uuid.UUID] | None,
        filters: EventFilters,
        updated_since: datetime | None,
    ) -> EventListPage:
        if updated_since is None:
            rows = await event_service.list_page(
                session, identity=identity, after=after, limit=paging.limit + 1, filters=filters
            )
            events = list(rows[: paging.limit])
            items: list[Event | EventTombstone] = list(events)
            more = len(rows) > paging.limit
            last = (events[-1].starts_at, events[-1].id) if events else None
        else:
            items, more = await self._changes(
                session,
                identity=identity,
                since=updated_since,
                after=after,
                limit=paging.limit,
                filters=filters,
            )
            last = _change_key(items[-1]) if items else None
        reads = iter(
            await event_service.read_many(session, [i for i in items if isinstance(i, Event)])
        )
        return EventListPage(
            items=[next(reads) if isinstance(i, Event) else _tombstone(i) for i in items],
            next=TIME_ID.encode(last) if more and last else None,
        )

    async def _facets_apart(
        self,
        database: Database,
        *,
        identity: Identity,
        filters: EventFilters,
        facets: Sequence[str],
    ) -> dict[str, list[FacetCount]]:
        async with database.transaction(write=False) as session:
            return await self._facets(session, identity=identity, filters=filters, facets=facets)

    async def _changes(
        self,
        session: AsyncSession,
        *,
        identity: Identity,
        since: datetime,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
        filters: EventFilters,
    ) -> tuple[list[Event | EventTombstone], bool]:
        """Changed events and tombstones merged in (change time, id) order.

        Tombstones ignore the other filters (an event that moved out of a partner's
        département must leave its copy too; an unknown id is simply ignored). The public
        hears of every event that left its view; staff, who still see refused and unpublished
        events, only of deleted ones.
        """
        states = _visible_states(filters, staff=identity.is_staff)
        events = await event_repository.changed_since(
            session, since=since, after=after, limit=limit + 1, states=states, filters=filters
        )
        tombstones = await event_repository.tombstones_since(
            session,
            since=since,
            after=after,
            limit=limit + 1,
            reasons=None if states == PUBLIC_STATES else ["deleted"],
        )
        changes: list[Event | EventTombstone] = [*events]
        removals: list[Event | EventTombstone] = [*tombstones]
        merged = list(heapq.merge(changes, removals, key=_change_key))
        return merged[:limit], len(merged) > limit

    async def _facets(
        self,
        session: AsyncSession,
        *,
        identity: Identity,
        filters: EventFilters,
        facets: Sequence[str],
    ) -> dict[str, list[FacetCount]]:
        counted = await event_repository.facet_counts(
            session,
            states=_visible_states(filters, staff=identity.is_staff),
            unfiltered_states=_visible_states(filters.without("state"), staff=identity.is_staff),
            filters=filters,
            facets=facets,
        )
        return {
            facet: [
                FacetCount(value=value, count=count)
                for value, count in sorted(values, key=lambda item: (-item[1], item[0]))
            ]
            for facet, values in counted.items()
        }


def _change_key(item: Event | EventTombstone) -> tuple[datetime, uuid.UUID]:
    if isinstance(item, EventTombstone):
        return item.removed_at, item.event_id
    return item.updated_at, item.id


def _tombstone(tombstone: EventTombstone) -> EventTombstoneRead:
    return EventTombstoneRead(
        id=tombstone.event_id,
        reason=tombstone.reason,
        removed_at=tombstone.removed_at,
        updated_at=tombstone.removed_at,
        version=tombstone.version,
    )


event_search_service = EventSearchService()
