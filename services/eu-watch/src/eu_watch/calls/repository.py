"""Every query on calls."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabularies import CallStatus
from eu_watch.calls.models import Call


class CallRepository:
    async def get(self, session: AsyncSession, call_id: uuid.UUID) -> Call | None:
        call = await session.get(Call, call_id)
        return call if call is not None and call.deleted_at is None else None

    async def identifier_taken(self, session: AsyncSession, identifier: str) -> bool:
        found = await session.scalar(sa.select(Call.id).where(Call.identifier == identifier))
        return found is not None

    async def fingerprints(
        self, session: AsyncSession, identifiers: Iterable[str]
    ) -> dict[str, str | None]:
        """Identifier → the source hash last written, for those of ``identifiers`` we hold."""
        wanted = list(set(identifiers))
        if not wanted:
            return {}
        rows = await session.execute(
            sa.select(Call.identifier, Call.source_hash).where(Call.identifier.in_(wanted))
        )
        return {str(identifier): source_hash for identifier, source_hash in rows}

    async def by_identifiers(
        self, session: AsyncSession, identifiers: Iterable[str]
    ) -> dict[str, Call]:
        wanted = list(set(identifiers))
        if not wanted:
            return {}
        rows = await session.scalars(
            sa.select(Call).where(Call.identifier.in_(wanted)).order_by(Call.id).with_for_update()
        )
        return {call.identifier: call for call in rows}

    async def status_moves_due(
        self, session: AsyncSession, *, now: datetime, today: date, limit: int
    ) -> Sequence[Call]:
        """Calls whose stored status the dates no longer support: opened, or past their last
        cut-off (locked, oldest first)."""
        opened = sa.and_(
            Call.status == CallStatus.FORTHCOMING.value,
            sa.or_(Call.opening_date.is_(None), Call.opening_date <= today),
        )
        passed = sa.and_(
            Call.status != CallStatus.CLOSED.value,
            Call.final_deadline.is_not(None),
            Call.final_deadline < now,
        )
        query = (
            sa.select(Call)
            .where(Call.deleted_at.is_(None), sa.or_(opened, passed))
            .order_by(Call.id)
            .limit(limit)
            .with_for_update()
        )
        return (await session.scalars(query)).all()

    async def list_after(
        self, session: AsyncSession, *, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> Sequence[Call]:
        query = sa.select(Call).where(Call.deleted_at.is_(None))
        if after is not None:
            query = query.where(sa.tuple_(Call.created_at, Call.id) > sa.tuple_(*after))
        query = query.order_by(Call.created_at, Call.id).limit(limit)
        return (await session.scalars(query)).all()


call_repository = CallRepository()
