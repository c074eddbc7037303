"""The calendar's lists: the JSON list (plain, or incremental sync with tombstones; facet
counts beside it) and the feeds of the same filters (iCalendar, RSS, Atom)."""

from __future__ import annotations

import asyncio
import hashlib
import heapq
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabularies import EventState
from events.agenda import ical
from events.agenda.filters import EventFilters
from events.agenda.models import Event
from events.agenda.policies import visible_states
from events.agenda.service import event_service
from events.organizers.repository import known_actor_repository
from events.search import syndication
from events.search.models import EventTombstone
from events.search.repository import event_search_repository
from events.search.schemas import EventListPage, EventTombstoneRead
from kit.db import Database
from kit.etags import none_match
from kit.facets import FacetCount
from kit.facets import most_first as facets_most_first
from kit.identity import Identity
from kit.models import utcnow
from kit.paging import TIME_ID, PageParams

PUBLIC_STATES = [EventState.PUBLISHED.value]
#: Bump when the RSS or Atom output changes for the same data.
SYNDICATION_FORMAT_VERSION = 1


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

    async def ics_feed(
        self, database: Database, *, name: str, batch_size: int, filters: EventFilters
    ) -> AsyncIterator[bytes]:
        """The iCalendar feed of published events, produced batch by batch.

        The response outlives the request's transaction, so each batch is read in its own
        short read-only transaction, walking the (start, id) keyset: memory stays that of one
        batch whatever the number of events, and no connection is held between batches.
        """
        yield ical.calendar_head(name)
        after: tuple[datetime, uuid.UUID] | None = None
        while True:
            async with database.transaction(write=False) as session:
                events = await event_search_repository.list_after(
                    session,
                    after=after,
                    limit=batch_size,
                    # A feed is public: published events only, whoever asks.
                    states=visible_states(filters, staff=False),
                    filters=filters,
                )
                names = await event_service.organizer_names(session, events)
            if not events:
                break
            # Rendering takes a while (about 0.5 ms a VEVENT): off the event loop, so other
            # requests keep being served meanwhile.
            yield await asyncio.to_thread(_vevents, events, names)
            if len(events) < batch_size:
                break
            after = (events[-1].starts_at, events[-1].id)
        yield ical.CALENDAR_END

    async def ics_feed_etag(
        self, session: AsyncSession, *, name: str, filters: EventFilters
    ) -> str:
        """A validator of the feed: calendar clients poll it and mostly get a 304.

        It changes when a matching event is added, changed or removed, or when an organizer's
        name may have changed (their names are in the descriptions).
        """
        count, latest = await event_search_repository.fingerprint(
            session, states=visible_states(filters, staff=False), filters=filters
        )
        actors = await known_actor_repository.fingerprint(session)
        seed = f"{ical.FORMAT_VERSION}|{name}|{count}|{latest}|{actors}|"
        seed += filters.model_dump_json()
        return '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'

    async def syndication_feed(
        self,
        session: AsyncSession,
        *,
        info: syndication.FeedInfo,
        cache_key: str,
        filters: EventFilters,
        limit: int,
        render: syndication.Renderer,
        if_none_match: str | None,
    ) -> tuple[str, bytes | None]:
        """The ETag of a feed of the latest changed published events matching ``filters``
        (newest first), and the feed rendered by ``render``; ``None`` when ``if_none_match``
        already names that ETag. ``cache_key`` (the feed's URL) is part of the ETag."""
        states = visible_states(filters, staff=False)  # a feed is public, whoever asks
        count, latest = await event_search_repository.fingerprint(
            session, states=states, filters=filters
        )
        actors = await known_actor_repository.fingerprint(session)
        seed = f"{SYNDICATION_FORMAT_VERSION}|{cache_key}|{count}|{latest}|{actors}"
        etag = '"' + hashlib.sha256(seed.encode()).hexdigest()[:32] + '"'
        if none_match(etag, if_none_match):
            return etag, None
        events = await event_search_repository.newest(
            session, states=states, filters=filters, limit=limit
        )
        names = await event_service.organizer_names(session, events)
        return etag, render(info, events, names, utcnow())

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
            rows = await event_search_repository.list_after(
                session,
                after=after,
                limit=paging.limit + 1,
                states=visible_states(filters, staff=identity.is_staff),
                filters=filters,
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
            await event_service.to_reads(session, [i for i in items if isinstance(i, Event)])
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
        states = visible_states(filters, staff=identity.is_staff)
        events = await event_search_repository.changed_since(
            session, since=since, after=after, limit=limit + 1, states=states, filters=filters
        )
        tombstones = await event_search_repository.tombstones_since(
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
        counted = await event_search_repository.facet_counts(
            session,
            states=visible_states(filters, staff=identity.is_staff),
            unfiltered_states=visible_states(filters.without("state"), staff=identity.is_staff),
            filters=filters,
            facets=facets,
        )
        return facets_most_first(counted)


def _vevents(events: Sequence[Event], names: dict[uuid.UUID, list[str]]) -> bytes:
    return b"".join(ical.vevents(event, names[event.id]) for event in events)


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
