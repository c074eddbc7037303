"""Every query on training feedback rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from surveys.feedback.models import TrainingFeedback


class FeedbackRepository:
    async def add_once(self, session: AsyncSession, values: dict[str, Any]) -> bool:
        """Insert unless this training already has this address; True if inserted."""
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(TrainingFeedback)
        result = await session.execute(
            insert.values(**values).on_conflict_do_nothing(index_elements=["event_id", "email"])
        )
        return bool(getattr(result, "rowcount", 0))

    async def due(
        self, session: AsyncSession, *, now: datetime, limit: int
    ) -> Sequence[TrainingFeedback]:
        """Pending rows whose morning has come, locked (another replica skips them)."""
        query = (
            sa.select(TrainingFeedback)
            .where(TrainingFeedback.status == "pending", TrainingFeedback.due_at <= now)
            .order_by(TrainingFeedback.due_at, TrainingFeedback.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await session.scalars(query)).all()

    async def of_invitation(
        self, session: AsyncSession, invitation_id: uuid.UUID
    ) -> TrainingFeedback | None:
        query = sa.select(TrainingFeedback).where(TrainingFeedback.invitation_id == invitation_id)
        return (await session.scalars(query.limit(1))).first()

    async def of_invitations(
        self, session: AsyncSession, invitation_ids: Sequence[uuid.UUID]
    ) -> Sequence[TrainingFeedback]:
        if not invitation_ids:
            return []
        query = sa.select(TrainingFeedback).where(
            TrainingFeedback.invitation_id.in_(list(invitation_ids))
        )
        return (await session.scalars(query)).all()


feedback_repository = FeedbackRepository()
