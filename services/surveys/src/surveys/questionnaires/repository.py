"""Every query on surveys."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from surveys.questionnaires.models import Survey


class SurveyRepository:
    async def get(self, session: AsyncSession, survey_id: uuid.UUID) -> Survey | None:
        survey = await session.get(Survey, survey_id)
        return survey if survey is not None and survey.deleted_at is None else None

    async def list_after(
        self,
        session: AsyncSession,
        *,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
        hidden_statuses: Sequence[str],
    ) -> Sequence[Survey]:
        query = sa.select(Survey).where(Survey.deleted_at.is_(None))
        if hidden_statuses:
            query = query.where(Survey.status.not_in(hidden_statuses))
        if after is not None:
            created_at, survey_id = after
            query = query.where(
                sa.tuple_(Survey.created_at, Survey.id) > sa.tuple_(created_at, survey_id)
            )
        query = query.order_by(Survey.created_at, Survey.id).limit(limit)
        return (await session.scalars(query)).all()


survey_repository = SurveyRepository()
