"""Every query on responses."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from surveys.responses.models import Response


class ResponseRepository:
    async def of_invitation(
        self, session: AsyncSession, invitation_id: uuid.UUID
    ) -> Response | None:
        query = sa.select(Response).where(Response.invitation_id == invitation_id)
        return (await session.scalars(query)).one_or_none()

    async def lock_of_invitation(
        self, session: AsyncSession, invitation_id: uuid.UUID
    ) -> Response | None:
        query = (
            sa.select(Response)
            .where(Response.invitation_id == invitation_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await session.scalars(query)).one_or_none()

    async def by_respondent_key(self, session: AsyncSession, key: str) -> Response | None:
        query = sa.select(Response).where(Response.respondent_key == key)
        return (await session.scalars(query)).one_or_none()

    async def count_submitted(self, session: AsyncSession, survey_id: uuid.UUID) -> int:
        query = sa.select(sa.func.count()).where(
            Response.survey_id == survey_id, Response.status == "submitted"
        )
        return int(await session.scalar(query) or 0)


response_repository = ResponseRepository()
