"""The rules of surveys. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.surveys import SURVEY_OPENED
from contracts.vocabularies import SurveyStatus
from kit.identity import Identity
from kit.models import as_utc
from surveys.db import outbox
from surveys.questionnaires.errors import SurveyNotFound
from surveys.questionnaires.models import Survey
from surveys.questionnaires.repository import survey_repository
from surveys.questionnaires.schemas import SurveyCreate, SurveyRead


class SurveyService:
    async def create(
        self, session: AsyncSession, *, data: SurveyCreate, identity: Identity
    ) -> Survey:
        survey = Survey(
            id=uuid.uuid4(),
            version=1,
            created_by=identity.subject,
            **data.model_dump(mode="json", exclude={"opens_at", "closes_at"}),
            opens_at=as_utc(data.opens_at),
            closes_at=as_utc(data.closes_at),
        )
        session.add(survey)
        await session.flush()
        if survey.status == SurveyStatus.OPEN.value:
            await outbox.emit(
                session,
                type=SURVEY_OPENED,
                subject=str(survey.id),
                data=self.to_read(survey).model_dump(mode="json"),
            )
        return survey

    async def get(
        self, session: AsyncSession, *, survey_id: uuid.UUID, identity: Identity
    ) -> Survey:
        survey = await survey_repository.get(session, survey_id)
        if survey is None or (survey.status == "draft" and not identity.is_staff):
            raise SurveyNotFound(f"No survey with id {survey_id}.")
        return survey

    async def list_page(
        self,
        session: AsyncSession,
        *,
        identity: Identity,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[Survey]:
        hidden = [] if identity.is_staff else [SurveyStatus.DRAFT.value]
        return await survey_repository.list_after(
            session, after=after, limit=limit, hidden_statuses=hidden
        )

    def to_read(self, survey: Survey) -> SurveyRead:
        return SurveyRead.model_validate(survey, from_attributes=True)


survey_service = SurveyService()
