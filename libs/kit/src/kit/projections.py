"""A service's copy of another service's records, kept current from its events.

The one mechanic behind every projection (the events, surveys and EU watch services each
keep the directory's actors): events carry the record's version, so a stale or replayed event
never overwrites newer data; with the kit inbox (one row per handled event, in the same
transaction) this makes the projection correct whatever the delivery order, and a producer's
republish rebuilds a wiped projection while changing nothing in a current one. A deleted
record stays known (``deleted_at``), so what names it stays readable; a merged one points to
its survivor (``merged_into``).

A service declares one :class:`Projection`: its table, the payload models of the source's
events, and the mapping of a payload to its own columns; what it does beyond the copy (the
events service re-announces the events an organizer's new name shows on) goes in the hooks.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar, cast

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from kit.cloudevents import CloudEvent
from kit.consumers import Subscription


class ProjectedRow(Protocol):
    """The columns every projection table has besides its own."""

    id: Any
    version: Any
    deleted_at: Any
    merged_into: Any


class Versioned(Protocol):
    """A payload carrying a whole record: its id and version."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def version(self) -> int: ...


class Tombstone(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def version(self) -> int: ...
    @property
    def deleted_at(self) -> datetime: ...


class Merge(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def survivor_id(self) -> uuid.UUID: ...


class EventKind(Protocol):
    """One event type as the registry describes it (``contracts.event_type.EventType``)."""

    @property
    def name(self) -> str: ...
    @property
    def payload(self) -> type[BaseModel] | str: ...
    @property
    def stream(self) -> str | None: ...


class RecordSource(Protocol):
    """The events of one kind of record (``contracts.event_type.RecordEvents``)."""

    @property
    def name(self) -> str: ...
    @property
    def changed(self) -> tuple[EventKind, ...]: ...
    @property
    def deleted(self) -> EventKind: ...
    @property
    def merged(self) -> EventKind: ...


def _model(kind: EventKind) -> type[BaseModel]:
    if isinstance(kind.payload, str):
        raise TypeError(f"{kind.name} has no payload model to project from")
    return kind.payload


Row = TypeVar("Row", bound=ProjectedRow)
Payload = TypeVar("Payload", bound=BaseModel)
RowT = TypeVar("RowT")
#: Called after a record was first written: the new row.
AfterInsert = Callable[[AsyncSession, Row], Awaitable[None]]
#: Called after a known row took a newer version: the row and its columns before.
AfterUpdate = Callable[[AsyncSession, Row, Mapping[str, Any]], Awaitable[None]]
#: Called after a merge was recorded: the merged id and where it finally lives on.
AfterMerge = Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class Projection(Generic[Row, Payload]):
    """The copy of one kind of record, and the consumer that keeps it."""

    #: The table (an ORM class with ``id``, ``version``, ``deleted_at``, ``merged_into``).
    model: type[Row]
    #: The source's events (``contracts.directory.ACTOR_RECORD``): each carrying the whole
    #: record, the deletion, the merge; their payload models and stream.
    source: RecordSource
    #: The record's columns in this service's table (the service's own mapping).
    columns: Callable[[Payload], dict[str, Any]]
    after_insert: AfterInsert[Row] | None = field(default=None, compare=False)
    after_update: AfterUpdate[Row] | None = field(default=None, compare=False)
    after_merge: AfterMerge | None = field(default=None, compare=False)

    async def apply(self, session: AsyncSession, event: CloudEvent) -> None:
        """Project one event of the source (an unknown type changes nothing)."""
        source = self.source
        if event.type in {kind.name for kind in source.changed}:
            payload = _model(source.changed[0]).model_validate(event.data)
            await self._upsert(session, cast(Payload, payload))
        elif event.type == source.deleted.name:
            tombstone = cast(Tombstone, _model(source.deleted).model_validate(event.data))
            known = await session.get(self.model, tombstone.id)
            if known is not None and known.version < tombstone.version:
                known.version = tombstone.version
                known.deleted_at = tombstone.deleted_at
        elif event.type == source.merged.name:
            merge = cast(Merge, _model(source.merged).model_validate(event.data))
            known = await session.get(self.model, merge.id)
            if known is not None:
                known.merged_into = merge.survivor_id
            if self.after_merge is not None:
                survivor = await self.final_survivor(session, merge.survivor_id)
                if survivor != merge.id:  # a merge into itself (or a cycle) moves nothing
                    await self.after_merge(session, merge.id, survivor)

    async def _upsert(self, session: AsyncSession, payload: Payload) -> None:
        record = cast(Versioned, payload)
        columns = self.columns(payload)
        known = await session.get(self.model, record.id)
        if known is None:
            row = cast(Row, cast(Any, self.model)(id=record.id, **columns))
            session.add(row)
            if self.after_insert is not None:
                await self.after_insert(session, row)
            return
        if known.version >= record.version:
            return  # stale or replayed: we already know better
        before = {key: getattr(known, key) for key in columns}
        for key, value in columns.items():
            setattr(known, key, value)
        if self.after_update is not None:
            await self.after_update(session, known, before)

    async def final_survivor(self, session: AsyncSession, record_id: uuid.UUID) -> uuid.UUID:
        return await final_survivor(session, self.model, record_id)

    def subscription(self, prefix: str) -> Subscription:
        """The consumer of every event of the source's records (``directory.actor.>``)."""
        kinds = (*self.source.changed, self.source.deleted, self.source.merged)
        streams = {kind.stream for kind in kinds}
        records = {kind.name.rsplit(".", 1)[0] for kind in kinds}
        if len(streams) != 1 or None in streams or len(records) != 1:
            raise ValueError(f"{self.source.name}: one record's events on one stream expected")
        return Subscription(
            durable=f"{prefix}-{self.source.name}",
            stream=str(streams.pop()),
            subjects=(f"{records.pop()}.>",),
            handler=self.apply,
        )


async def final_survivor(
    session: AsyncSession, model: type[ProjectedRow], record_id: uuid.UUID
) -> uuid.UUID:
    """Where ``record_id`` lives on, following the merges the projection heard of (itself
    when it was never merged; a cycle stops rather than loops)."""
    seen = {record_id}
    while (known := await session.get(model, record_id)) and known.merged_into:
        if known.merged_into in seen:
            break
        record_id = known.merged_into
        seen.add(record_id)
    return record_id


async def rows_by_id(
    session: AsyncSession, model: type[RowT], ids: Iterable[uuid.UUID], *, batch: int = 500
) -> dict[uuid.UUID, RowT]:
    """The projected rows of ``ids`` that exist, by id, read ``batch`` ids a query (SQLite
    bounds the parameters of one statement)."""
    wanted = list(set(ids))
    found: dict[uuid.UUID, RowT] = {}
    for start in range(0, len(wanted), batch):
        query = sa.select(model).where(cast(Any, model).id.in_(wanted[start : start + batch]))
        found.update({cast(Any, row).id: row for row in await session.scalars(query)})
    return found
