"""The rules of the EU call watch. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.eu_watch import CALL_PUBLISHED
from eu_watch.calls.errors import CallAlreadyWatched, CallNotFound
from eu_watch.calls.models import Call
from eu_watch.calls.repository import call_repository
from eu_watch.calls.schemas import CallCreate, CallRead
from eu_watch.db import outbox
from kit.identity import Identity


class CallService:
    async def create(self, session: AsyncSession, *, data: CallCreate, identity: Identity) -> Call:
        if await call_repository.identifier_taken(session, data.identifier):
            raise CallAlreadyWatched(
                f"A call with identifier {data.identifier} exists already.",
                errors=[{"field": "identifier", "message": "already used"}],
            )
        values = data.model_dump(mode="json", exclude={"opening_date"})
        call = Call(id=uuid.uuid4(), version=1, **values, opening_date=data.opening_date)
        session.add(call)
        await session.flush()
        await outbox.emit(
            session,
            type=CALL_PUBLISHED,
            subject=str(call.id),
            data=self.to_read(call).model_dump(mode="json"),
        )
        return call

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


call_service = CallService()
