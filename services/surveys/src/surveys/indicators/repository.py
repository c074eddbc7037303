"""Every query on indicators and the waves of a series."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.vocabularies import SurveyStatus
from surveys.indicators.models import Indicator
from surveys.questionnaires.models import Survey


class IndicatorRepository:
    async def get(self, session: AsyncSession, indicator_id: uuid.UUID) -> Indicator | None:
        indicator = await session.get(Indicator, indicator_id)
        return indicator if indicator is not None and indicator.deleted_at is None else None

    async def list_after(
        self,
        session: AsyncSession,
        *,
        public_only: bool,
        series: str | None,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[Indicator]:
        query = sa.select(Indicator).where(Indicator.deleted_at.is_(None))
        if public_only:
            query = query.where(Indicator.public.is_(True))
        if series is not None:
            query = query.where(Indicator.series == series)
        if after is not None:
            query = query.where(
                sa.tuple_(Indicator.created_at, Indicator.id) > sa.tuple_(after[0], after[1])
            )
        query = query.order_by(Indicator.created_at, Indicator.id).limit(limit)
        return (await session.scalars(query)).all()

    async def public_of_series(self, session: AsyncSession, series: str) -> Sequence[Indicator]:
        query = sa.select(Indicator).where(
            Indicator.deleted_at.is_(None), Indicator.public.is_(True), Indicator.series == series
        )
        return (await session.scalars(query.order_by(Indicator.created_at))).all()

    async def waves(self, session: AsyncSession, series: str) -> list[Survey]:
        """The surveys of a series past their draft, oldest wave first."""
        query = sa.select(Survey).where(
            Survey.series == series,
            Survey.deleted_at.is_(None),
            Survey.status != SurveyStatus.DRAFT.value,
        )
        surveys = list((await session.scalars(query)).all())
        return sorted(surveys, key=lambda s: s.opens_at or s.published_at or s.created_at)


indicator_repository = IndicatorRepository()
