"""The rules of the EU call watch. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.eu_watch import CALL_CLOSED, CALL_PUBLISHED, CALL_UPDATED, CallPublic
from contracts.vocabularies import CallStatus
from eu_watch.calls.errors import CallAlreadyWatched, CallNotFound
from eu_watch.calls.models import Call
from eu_watch.calls.policies import BRUSSELS, derive_status
from eu_watch.calls.repository import call_repository
from eu_watch.calls.schemas import CallContent, CallCreate, CallRead
from eu_watch.db import outbox
from kit.identity import Identity
from kit.models import utcnow


@dataclass
class WriteCounts:
    """What writing a batch of contents did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


class CallService:
    async def create(self, session: AsyncSession, *, data: CallCreate, identity: Identity) -> Call:
        if await call_repository.identifier_taken(session, data.identifier):
            raise CallAlreadyWatched(
                f"A call with identifier {data.identifier} exists already.",
                errors=[{"field": "identifier", "message": "already used"}],
            )
        content = CallContent.from_create(data)
        call = self._new(content, now=utcnow())
        session.add(call)
        await session.flush()
        await self._announce(session, [(call, None)])
        return call

    async def write_contents(
        self, session: AsyncSession, contents: Sequence[CallContent], *, now: datetime
    ) -> WriteCounts:
        """Write what a source said: new calls are added and published, changed ones
        updated and announced, unchanged ones left alone (no write, no event)."""
        counts = WriteCounts()
        known = await call_repository.by_identifiers(session, [c.identifier for c in contents])
        changes: list[tuple[Call, str | None]] = []
        for content in contents:
            call = known.get(content.identifier)
            if call is None:
                call = self._new(content, now=now)
                session.add(call)
                known[content.identifier] = call
                changes.append((call, None))
                counts.created += 1
            elif call.source_hash == content.fingerprint() and call.deleted_at is None:
                counts.unchanged += 1
            else:
                before = call.status
                self._apply(call, content, now=now)
                call.deleted_at = None
                call.touch()
                changes.append((call, before))
                counts.updated += 1
        await session.flush()
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

    async def list_page(
        self, session: AsyncSession, *, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> Sequence[Call]:
        return await call_repository.list_after(session, after=after, limit=limit)

    def to_read(self, call: Call) -> CallRead:
        return CallRead.model_validate(call, from_attributes=True)

    def _new(self, content: CallContent, *, now: datetime) -> Call:
        call = Call(id=uuid.uuid4(), version=1, created_at=now, updated_at=now)
        self._apply(call, content, now=now)
        return call

    def _apply(self, call: Call, content: CallContent, *, now: datetime) -> None:
        for name, value in content.column_values().items():
            setattr(call, name, value)
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
