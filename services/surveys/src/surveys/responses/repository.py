"""Every query on responses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from surveys.invitations.models import Invitation
from surveys.questionnaires.models import Survey, SurveyVersion
from surveys.responses.models import Response


@dataclass(frozen=True)
class Link:
    invitation: Invitation
    survey: Survey
    version_id: uuid.UUID | None
    response: Response | None


class ResponseRepository:
    async def link(
        self, session: AsyncSession, token: str, *, respondent_key: str, for_update: bool
    ) -> Link | None:
        """What a token opens, in one query (one round trip): its invitation (locked
        ``for_update``: two saves through one link never interleave, and every change of a
        response goes through its invitation's lock), its survey (not deleted), the id of
        the survey's current version (None before the first publication) and its response
        so far: the invitation's for a named survey, the one under ``respondent_key`` (the
        token's HMAC) for an anonymous one."""
        named = aliased(Response, name="named_response")
        keyed = aliased(Response, name="keyed_response")
        query = (
            sa.select(Invitation, Survey, SurveyVersion.id, named, keyed)
            .join(Survey, Survey.id == Invitation.survey_id)
            .outerjoin(
                SurveyVersion,
                sa.and_(
                    SurveyVersion.survey_id == Survey.id,
                    SurveyVersion.number == Survey.current_version,
                ),
            )
            .outerjoin(named, named.invitation_id == Invitation.id)
            .outerjoin(keyed, keyed.respondent_key == respondent_key)
            .where(Invitation.token == token, Survey.deleted_at.is_(None))
        )
        if for_update:
            query = query.with_for_update(of=Invitation).execution_options(populate_existing=True)
        row = (await session.execute(query)).one_or_none()
        if row is None:
            return None
        invitation, survey, version_id, by_invitation, by_key = row
        response = by_key if survey.anonymous else by_invitation
        return Link(invitation, survey, version_id, response)

    async def definition_of(
        self, session: AsyncSession, version_id: uuid.UUID
    ) -> dict[str, Any] | None:
        """A published version's definition (read once per process: see compiled.py)."""
        query = sa.select(SurveyVersion.definition).where(SurveyVersion.id == version_id)
        found = await session.scalar(query)
        return dict(found) if found is not None else None

    async def by_respondent_key(self, session: AsyncSession, key: str) -> Response | None:
        query = sa.select(Response).where(Response.respondent_key == key)
        return (await session.scalars(query)).one_or_none()

    async def count_submitted(self, session: AsyncSession, survey_id: uuid.UUID) -> int:
        query = sa.select(sa.func.count()).where(
            Response.survey_id == survey_id, Response.status == "submitted"
        )
        return int(await session.scalar(query) or 0)


response_repository = ResponseRepository()
