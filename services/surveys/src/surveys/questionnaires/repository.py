"""Every query on surveys and their versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from surveys.questionnaires.models import Survey, SurveyVersion


class SurveyRepository:
    async def get(self, session: AsyncSession, survey_id: uuid.UUID) -> Survey | None:
        survey = await session.get(Survey, survey_id)
        return survey if survey is not None and survey.deleted_at is None else None

    async def lock(self, session: AsyncSession, survey_id: uuid.UUID) -> Survey | None:
        """The survey, locked for a change of status or version (no two publications)."""
        query = (
            sa.select(Survey)
            .where(Survey.id == survey_id, Survey.deleted_at.is_(None))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await session.scalars(query)).one_or_none()

    async def by_public_token(self, session: AsyncSession, token: str) -> Survey | None:
        query = sa.select(Survey).where(Survey.public_token == token, Survey.deleted_at.is_(None))
        return (await session.scalars(query)).one_or_none()

    async def list_after(
        self,
        session: AsyncSession,
        *,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
        hidden_statuses: Sequence[str],
        series: str | None = None,
        status: str | None = None,
    ) -> Sequence[Survey]:
        query = sa.select(Survey).where(Survey.deleted_at.is_(None))
        if hidden_statuses:
            query = query.where(Survey.status.not_in(hidden_statuses))
        if series is not None:
            query = query.where(Survey.series == series)
        if status is not None:
            query = query.where(Survey.status == status)
        if after is not None:
            created_at, survey_id = after
            query = query.where(
                sa.tuple_(Survey.created_at, Survey.id) > sa.tuple_(created_at, survey_id)
            )
        query = query.order_by(Survey.created_at, Survey.id).limit(limit)
        return (await session.scalars(query)).all()

    async def open_past_closing(self, session: AsyncSession, now: datetime) -> Sequence[Survey]:
        """Open surveys whose closing time has passed (the closing worker closes them)."""
        query = sa.select(Survey).where(
            Survey.deleted_at.is_(None), Survey.status == "open", Survey.closes_at <= now
        )
        return (await session.scalars(query)).all()

    async def open_reminding(self, session: AsyncSession) -> Sequence[Survey]:
        """Open surveys that remind who has not answered (``remind_after_days`` set)."""
        query = sa.select(Survey).where(
            Survey.deleted_at.is_(None),
            Survey.status == "open",
            Survey.remind_after_days.is_not(None),
        )
        return (await session.scalars(query)).all()


class SurveyVersionRepository:
    async def get(
        self, session: AsyncSession, survey_id: uuid.UUID, number: int
    ) -> SurveyVersion | None:
        query = sa.select(SurveyVersion).where(
            SurveyVersion.survey_id == survey_id, SurveyVersion.number == number
        )
        return (await session.scalars(query)).one_or_none()

    async def list_of(self, session: AsyncSession, survey_id: uuid.UUID) -> Sequence[SurveyVersion]:
        query = (
            sa.select(SurveyVersion)
            .where(SurveyVersion.survey_id == survey_id)
            .order_by(SurveyVersion.number)
        )
        return (await session.scalars(query)).all()


survey_repository = SurveyRepository()
version_repository = SurveyVersionRepository()
