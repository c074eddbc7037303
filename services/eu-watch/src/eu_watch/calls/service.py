"""The rules of the EU call watch. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.eu_watch import (
    CALL_CLOSED,
    CALL_DELETED,
    CALL_PUBLISHED,
    CALL_UPDATED,
    CallDeleted,
    CallPublic,
)
from contracts.vocabularies import CallStatus
from eu_watch.calls.errors import CallAlreadyWatched, CallNotFound
from eu_watch.calls.filters import CallFilters
from eu_watch.calls.models import Call
from eu_watch.calls.policies import BRUSSELS, derive_status
from eu_watch.calls.repository import NO_DEADLINE, call_repository
from eu_watch.calls.schemas import (
    CallContent,
    CallCreate,
    CallListPage,
    CallRead,
    CallTombstone,
)
from eu_watch.calls.search import query_groups
from eu_watch.db import outbox
from eu_watch.themes.policies import classify
from eu_watch.themes.repository import theme_mapping_repository
from kit.db import Database
from kit.facets import FacetCount
from kit.identity import Identity
from kit.models import utcnow
from kit.paging import (
    PageParams,
    build_page,
    decode_cursor,
    decode_time_id_cursor,
    time_id_key,
)
from kit.problems import InvalidInput

ThemeMap = dict[str, dict[str, list[str]]]


@dataclass
class WriteCounts:
    """What writing a batch of contents did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


class CallService:
    async def create(self, session: AsyncSession, *, data: CallCreate, identity: Identity) -> Call:
        held = await call_repository.by_identifiers(session, [data.identifier])
        deleted = held.get(data.identifier)
        if deleted is not None and deleted.deleted_at is None:  # a live call: taken
            raise self._taken(data.identifier)
        content = CallContent.from_create(data)
        mapping = await theme_mapping_repository.as_mapping(session)
        if deleted is not None:
            # A call deleted earlier, typed again: it comes back (as a sync brings back a
            # topic the portal still has), published anew after its tombstone.
            self._apply(deleted, content, now=utcnow(), mapping=mapping)
            deleted.deleted_at = None
            deleted.touch()
            await session.flush()
            await call_repository.write_index(session, [deleted], replace=True)
            await self._announce(session, [(deleted, None)])
            return deleted
        call = self._new(content, now=utcnow(), mapping=mapping)
        session.add(call)
        try:
            await session.flush()
        except IntegrityError as exc:
            # The same call typed twice at once: both saw the identifier free, the unique
            # index lets one in (the request's transaction is rolled back with the 409).
            if "identifier" not in str(exc.orig):
                raise
            raise self._taken(data.identifier) from None
        await call_repository.write_index(session, [call], replace=False)
        await self._announce(session, [(call, None)])
        return call

    @staticmethod
    def _taken(identifier: str) -> CallAlreadyWatched:
        return CallAlreadyWatched(
            f"A call with identifier {identifier} exists already.",
            errors=[{"field": "identifier", "message": "already used"}],
        )

    async def write_contents(
        self, session: AsyncSession, contents: Sequence[CallContent], *, now: datetime
    ) -> WriteCounts:
        """Write what a source said: new calls are added and published, changed ones
        updated and announced, unchanged ones left alone (no write, no event)."""
        counts = WriteCounts()
        mapping = await theme_mapping_repository.as_mapping(session)
        known = await call_repository.by_identifiers(session, [c.identifier for c in contents])
        changes: list[tuple[Call, str | None]] = []
        for content in contents:
            call = known.get(content.identifier)
            if call is None:
                call = self._new(content, now=now, mapping=mapping)
                session.add(call)
                known[content.identifier] = call
                changes.append((call, None))
                counts.created += 1
            elif call.source_hash == content.fingerprint() and call.deleted_at is None:
                counts.unchanged += 1
            else:
                before = call.status
                self._apply(call, content, now=now, mapping=mapping)
                call.deleted_at = None
                call.touch()
                changes.append((call, before))
                counts.updated += 1
        await session.flush()
        await call_repository.write_index(
            session, [call for call, before in changes if before is None], replace=False
        )
        await call_repository.write_index(
            session, [call for call, before in changes if before is not None], replace=True
        )
        await self._announce(session, changes)
        return counts

    async def move_statuses(self, session: AsyncSession, *, now: datetime, limit: int) -> int:
        """Move the calls the dates moved (forthcoming → open → closed), each announced."""
        due = await call_repository.status_moves_due(
            session, now=now, today=now.astimezone(BRUSSELS).date(), limit=limit
        )
        changes: list[tuple[Call, str | None]] = []
        for call in due:
            status = derive_status(
                opening_date=call.opening_date, final_deadline=call.final_deadline, now=now
            )
            if status.value != call.status:
                before = call.status
                call.status = status.value
                call.touch()
                changes.append((call, before))
        await session.flush()
        await self._announce(session, changes)
        return len(changes)

    async def get(self, session: AsyncSession, *, call_id: uuid.UUID) -> Call:
        call = await call_repository.get(session, call_id)
        if call is None:
            raise CallNotFound(f"No call with id {call_id}.")
        return call

    async def delete(self, session: AsyncSession, *, call_id: uuid.UUID) -> None:
        """Remove a call (a tombstone stays for partners who sync), announced."""
        call = await self.get(session, call_id=call_id)
        call.deleted_at = utcnow()
        call.touch()
        await session.flush()
        await call_repository.drop_index(session, [call.id])
        await outbox.emit(
            session,
            type=CALL_DELETED,
            subject=str(call.id),
            data=CallDeleted(
                id=call.id,
                identifier=call.identifier,
                version=call.version,
                deleted_at=call.deleted_at,
            ).model_dump(mode="json"),
        )

    async def search(
        self,
        session: AsyncSession,
        *,
        filters: CallFilters,
        paging: PageParams,
        sort: str,
        updated_since: datetime | None = None,
    ) -> CallListPage:
        """One page of the list (by deadline, update or relevance), or the changes since a
        time with tombstones (the facets are counted by :meth:`count_facets`)."""
        now = utcnow()
        if sort == "relevance" and not (filters.q and query_groups(filters.q)):
            raise InvalidInput("query.sort", "relevance needs words to search for (q)")
        items: list[CallRead | CallTombstone]
        if updated_since is not None:
            after_key = decode_time_id_cursor(paging.after)
            rows = await call_repository.changed_since(
                session,
                filters,
                now=now,
                since=updated_since,
                after=after_key,
                limit=paging.limit + 1,
            )
            page, next_cursor = build_page(
                rows, paging, key=lambda c: time_id_key(c.updated_at, c.id)
            )
            items = [self.to_tombstone(c) if c.deleted_at else self.to_read(c) for c in page]
        else:
            after: list[Any] | None = None
            if paging.after and sort == "relevance":
                after = decode_cursor(paging.after, arity=1)
                if not isinstance(after[0], int) or after[0] < 0:
                    raise InvalidInput("query.after", "not a cursor returned by this API")
            elif paging.after:
                after = list(decode_time_id_cursor(paging.after) or ())
            rows = await call_repository.search(
                session, filters, now=now, sort=sort, after=after, limit=paging.limit + 1
            )
            offset = int(after[0]) if sort == "relevance" and after else 0
            page, next_cursor = build_page(
                rows,
                paging,
                key=lambda c: self._sort_key(c, sort, offset + len(rows[: paging.limit])),
            )
            items = list(map(self.to_read, page))
        return CallListPage(items=items, next=next_cursor)

    async def count_facets(
        self, database: Database, *, filters: CallFilters, facets: Sequence[str]
    ) -> dict[str, list[FacetCount]]:
        """The facet counts of a search, in a read transaction of their own so that they run
        beside the page's query (another PostgreSQL backend; on SQLite another connection,
        whose thread lets go of the GIL while SQLite works): the request waits for the
        longer of the two, not for both."""
        async with database.transaction(write=False) as session:
            counted = await call_repository.facet_counts(session, filters, facets, now=utcnow())
        return {
            facet: [FacetCount(value=value, count=count) for value, count in counted[facet]]
            for facet in facets
        }

    async def feed(
        self, session: AsyncSession, *, filters: CallFilters, sort: str, limit: int
    ) -> Sequence[Call]:
        """The first ``limit`` calls of the list, for a feed (no paging)."""
        return await call_repository.search(
            session, filters, now=utcnow(), sort=sort, after=None, limit=limit
        )

    async def could_suit(
        self,
        session: AsyncSession,
        *,
        filters: CallFilters,
        themes: Iterable[str],
        stems: Iterable[str],
        within: int,
    ) -> Sequence[Any]:
        """The calls among the first ``within`` of the list by deadline that an actor with
        ``themes`` and the description ``stems`` may match, in the list's order, as rows of
        the columns matching reads (see :meth:`CallRepository.could_suit`)."""
        return await call_repository.could_suit(
            session, filters, now=utcnow(), themes=themes, stems=stems, within=within
        )

    async def by_ids(self, session: AsyncSession, call_ids: Sequence[uuid.UUID]) -> list[Call]:
        """The calls of ``call_ids``, in that order."""
        found = {call.id: call for call in await call_repository.by_ids(session, call_ids)}
        return [found[call_id] for call_id in call_ids]

    @staticmethod
    def _sort_key(call: Call, sort: str, offset: int) -> list[Any]:
        if sort == "relevance":
            return [offset]
        if sort == "updated":
            return [call.updated_at.isoformat(), str(call.id)]
        deadline = call.final_deadline or NO_DEADLINE
        return [deadline.isoformat(), str(call.id)]

    def to_read(self, call: Call) -> CallRead:
        return CallRead.model_validate(call, from_attributes=True)

    def to_tombstone(self, call: Call) -> CallTombstone:
        removed = call.deleted_at or call.updated_at
        return CallTombstone(
            id=call.id,
            identifier=call.identifier,
            removed_at=removed,
            updated_at=call.updated_at,
            version=call.version,
        )

    async def reclassify_all(self, session: AsyncSession, *, batch: int = 500) -> int:
        """Give every live call the themes the current mapping says; announce those whose
        themes changed. Returns how many changed."""
        mapping = await theme_mapping_repository.as_mapping(session)
        changed = 0
        after: uuid.UUID | None = None
        while True:
            calls = await call_repository.batch_after(session, after=after, limit=batch)
            if not calls:
                return changed
            moved = []
            for call in calls:
                themes = classify(self._classified_fields(call), mapping)
                if themes != call.themes:
                    call.themes = themes
                    call.touch()
                    moved.append(call)
            await session.flush()
            await call_repository.write_index(session, moved, replace=True)
            await self._announce(session, [(call, call.status) for call in moved])
            changed += len(moved)
            after = calls[-1].id

    @staticmethod
    def _classified_fields(call: Call) -> dict[str, object]:
        return {
            "keywords": call.keywords,
            "cross_cutting_priorities": call.cross_cutting_priorities,
            "programme_parts": call.programme_parts,
            "programme": call.programme,
        }

    def _new(self, content: CallContent, *, now: datetime, mapping: ThemeMap) -> Call:
        call = Call(id=uuid.uuid4(), version=1, created_at=now, updated_at=now)
        self._apply(call, content, now=now, mapping=mapping)
        return call

    def _apply(self, call: Call, content: CallContent, *, now: datetime, mapping: ThemeMap) -> None:
        for name, value in content.column_values().items():
            setattr(call, name, value)
        call.themes = classify(self._classified_fields(call), mapping)
        call.source_hash = content.fingerprint()
        call.status = derive_status(
            opening_date=call.opening_date, final_deadline=call.final_deadline, now=now
        ).value

    async def _announce(
        self, session: AsyncSession, changes: Sequence[tuple[Call, str | None]]
    ) -> None:
        """``published`` for a new call, ``updated`` for a changed one, and ``closed`` as
        well when the change closed it. ``changes`` pairs each call with its status before
        (None: it is new)."""
        events: list[tuple[str, str | None, dict[str, Any]]] = []
        for call, before in changes:
            data = CallPublic.model_validate(call, from_attributes=True).model_dump(mode="json")
            events.append((CALL_PUBLISHED if before is None else CALL_UPDATED, str(call.id), data))
            closed_now = call.status == CallStatus.CLOSED.value
            if before is not None and before != call.status and closed_now:
                events.append((CALL_CLOSED, str(call.id), data))
        await outbox.emit_many(session, events)


call_service = CallService()
