"""The rules of surveys: CRUD, the lifecycle and versions. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.surveys import SURVEY_CLOSED, SURVEY_PUBLISHED, SurveyClosed, SurveyPublished
from contracts.vocabularies import SurveyStatus
from kit.etags import check_if_match
from kit.identity import Identity
from kit.models import as_utc, utcnow
from kit.problems import InvalidInput
from surveys.db import outbox
from surveys.invitations.repository import invitation_repository
from surveys.links import form_url, new_token
from surveys.questionnaires import policies
from surveys.questionnaires.errors import (
    SurveyDefinitionInvalid,
    SurveyNotFound,
    SurveyStatusConflict,
    SurveyVersionNotFound,
    SurveyVersionPublished,
    XlsFormInvalid,
)
from surveys.questionnaires.models import Survey, SurveyVersion
from surveys.questionnaires.repository import survey_repository, version_repository
from surveys.questionnaires.schemas import (
    DEFINITION_FIELDS,
    SurveyCreate,
    SurveyDefinition,
    SurveyRead,
    SurveyUpdate,
    VersionCreate,
)
from surveys.questionnaires.xlsform import XlsFormRefused, locate, parse_xlsform
from surveys.responses.repository import response_repository


class SurveyService:
    async def create(
        self, session: AsyncSession, *, data: SurveyCreate, identity: Identity
    ) -> Survey:
        """A new draft (a survey is published by :meth:`publish`, never created open)."""
        definition = data.model_dump(mode="json", include=set(DEFINITION_FIELDS))
        survey = Survey(
            id=uuid.uuid4(),
            version=1,
            status=SurveyStatus.DRAFT.value,
            created_by=identity.subject,
            opens_at=as_utc(data.opens_at),
            closes_at=as_utc(data.closes_at),
            remind_after_days=data.remind_after_days,
            public_token=new_token() if data.public_link else None,
            **definition,
        )
        session.add(survey)
        await session.flush()
        return survey

    async def import_definition(
        self, session: AsyncSession, *, document: Any, identity: Identity
    ) -> Survey:
        """A new draft from an exported definition (the JSON of ``GET .../definition``, with
        settings such as ``closes_at`` allowed beside it)."""
        try:
            data = SurveyCreate.model_validate(document)
        except ValidationError as exc:
            raise InvalidInput.from_validation(exc) from exc
        return await self.create(session, data=data, identity=identity)

    async def import_xlsform(
        self, session: AsyncSession, *, content: bytes, identity: Identity
    ) -> Survey:
        """A new draft from an XLSForm workbook; any error names sheet, row and column, and
        nothing is created."""
        try:
            parsed = parse_xlsform(content)
        except XlsFormRefused as refused:
            raise XlsFormInvalid(
                f"{len(refused.errors)} problem(s) in the XLSForm: {refused}",
                errors=[e.as_error() for e in refused.errors],
            ) from refused
        try:
            data = SurveyCreate.model_validate(parsed.definition)
        except ValidationError as exc:
            errors = [locate(parsed, tuple(e["loc"]), e["msg"]) for e in exc.errors()]
            raise XlsFormInvalid(
                f"{len(errors)} problem(s) in the XLSForm: " + errors[0].message,
                errors=[e.as_error() for e in errors],
            ) from exc
        return await self.create(session, data=data, identity=identity)

    async def get(
        self, session: AsyncSession, *, survey_id: uuid.UUID, identity: Identity
    ) -> Survey:
        """A survey; drafts exist only for staff."""
        survey = await survey_repository.get(session, survey_id)
        if survey is None or not policies.may_see(identity, survey.status):
            raise SurveyNotFound(f"No survey with id {survey_id}.")
        return survey

    async def list_page(
        self,
        session: AsyncSession,
        *,
        identity: Identity,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
        series: str | None = None,
        status: SurveyStatus | None = None,
    ) -> Sequence[Survey]:
        hidden = [] if identity.is_staff else [SurveyStatus.DRAFT.value]
        return await survey_repository.list_after(
            session,
            after=after,
            limit=limit,
            hidden_statuses=hidden,
            series=series,
            status=status.value if status else None,
        )

    async def update(
        self,
        session: AsyncSession,
        *,
        survey_id: uuid.UUID,
        data: SurveyUpdate,
        if_match: str | None,
    ) -> Survey:
        survey = await self._locked(session, survey_id)
        check_if_match(if_match, survey.version)
        changes = data.model_dump(mode="json", exclude_unset=True)
        touched_definition = sorted(set(changes) & DEFINITION_FIELDS)
        if touched_definition and not policies.may_edit_definition(SurveyStatus(survey.status)):
            raise SurveyVersionPublished(
                f"Version {survey.current_version} of this survey is published and never"
                f" changes ({', '.join(touched_definition)}): create the next version with"
                f" POST /v1/surveys/{survey.id}/versions.",
                fields=touched_definition,
            )
        for key, value in changes.items():
            if key in ("opens_at", "closes_at"):
                setattr(survey, key, as_utc(getattr(data, key)))
            elif key == "public_link":
                if value and survey.public_token is None:
                    survey.public_token = new_token()
                elif not value:
                    survey.public_token = None
            else:
                setattr(survey, key, value)
        if survey.opens_at and survey.closes_at and survey.opens_at >= survey.closes_at:
            raise SurveyDefinitionInvalid(
                errors=[{"field": "closes_at", "message": "closes_at must be after opens_at"}]
            )
        survey.touch()
        await session.flush()
        return survey

    async def delete(
        self, session: AsyncSession, *, survey_id: uuid.UUID, if_match: str | None
    ) -> None:
        survey = await self._locked(session, survey_id)
        check_if_match(if_match, survey.version)
        if SurveyStatus(survey.status) not in policies.DELETABLE:
            raise SurveyStatusConflict(
                f"A survey that is {survey.status} keeps its answers: close and archive it"
                " before deleting it."
            )
        survey.deleted_at = utcnow()
        survey.touch()
        await session.flush()

    async def publish(
        self, session: AsyncSession, *, survey_id: uuid.UUID, identity: Identity
    ) -> Survey:
        """Freeze the questionnaire as version 1 and open the survey."""
        survey = await self._locked(session, survey_id)
        self._check_move(survey, "publish")
        await self._freeze(session, survey, identity=identity)
        survey.status = SurveyStatus.OPEN.value
        survey.published_at = utcnow()
        survey.touch()
        await session.flush()
        await self._announce_published(session, survey)
        return survey

    async def new_version(
        self,
        session: AsyncSession,
        *,
        survey_id: uuid.UUID,
        data: VersionCreate,
        identity: Identity,
    ) -> Survey:
        """Publish the next version of an open survey: respondents answer it from now on;
        the answers given to earlier versions keep the number of the version they answered."""
        survey = await self._locked(session, survey_id)
        if survey.status != SurveyStatus.OPEN:
            raise SurveyStatusConflict(
                f"Only an open survey gets a new version; this one is {survey.status}"
                + (
                    " (publish it: its questionnaire is still editable)."
                    if survey.status == "draft"
                    else "."
                )
            )
        for key, value in data.model_dump(mode="json", exclude_unset=True).items():
            if value is not None:
                setattr(survey, key, value)
        await self._freeze(session, survey, identity=identity)
        survey.touch()
        await session.flush()
        await self._announce_published(session, survey)
        return survey

    async def close(self, session: AsyncSession, *, survey_id: uuid.UUID) -> Survey:
        survey = await self._locked(session, survey_id)
        self._check_move(survey, "close")
        await self.close_locked(session, survey)
        return survey

    async def close_locked(self, session: AsyncSession, survey: Survey) -> None:
        """Close an open survey already locked (by the API or the closing worker)."""
        survey.status = SurveyStatus.CLOSED.value
        survey.closed_at = utcnow()
        survey.touch()
        await session.flush()
        payload = SurveyClosed(
            id=survey.id,
            series=survey.series,
            version=survey.current_version or 0,
            invitations=await invitation_repository.count_of(session, survey.id),
            responses_submitted=await response_repository.count_submitted(session, survey.id),
            closed_at=survey.closed_at,
        )
        await outbox.emit(
            session,
            type=SURVEY_CLOSED,
            subject=str(survey.id),
            data=payload.model_dump(mode="json"),
        )

    async def archive(self, session: AsyncSession, *, survey_id: uuid.UUID) -> Survey:
        survey = await self._locked(session, survey_id)
        self._check_move(survey, "archive")
        survey.status = SurveyStatus.ARCHIVED.value
        survey.archived_at = utcnow()
        survey.touch()
        await session.flush()
        return survey

    async def version_of(
        self, session: AsyncSession, *, survey: Survey, number: int | None = None
    ) -> SurveyVersion:
        """A published version (the current one by default)."""
        wanted = number if number is not None else survey.current_version
        version = (
            await version_repository.get(session, survey.id, wanted) if wanted is not None else None
        )
        if version is None:
            raise SurveyVersionNotFound(f"Survey {survey.id} has no published version {wanted}.")
        return version

    async def versions(self, session: AsyncSession, *, survey: Survey) -> Sequence[SurveyVersion]:
        return await version_repository.list_of(session, survey.id)

    def definition_of(self, survey: Survey) -> SurveyDefinition:
        """The working questionnaire, as exported."""
        return SurveyDefinition.model_validate(
            {field: getattr(survey, field) for field in DEFINITION_FIELDS}
        )

    def to_read(self, survey: Survey, *, public_url: str) -> SurveyRead:
        return SurveyRead(
            **self.definition_of(survey).model_dump(),
            id=survey.id,
            status=SurveyStatus(survey.status),
            version=survey.current_version,
            opens_at=survey.opens_at,
            closes_at=survey.closes_at,
            remind_after_days=survey.remind_after_days,
            public_link=survey.public_token is not None,
            public_url=(
                form_url(public_url, f"s/{survey.public_token}") if survey.public_token else None
            ),
            published_at=survey.published_at,
            closed_at=survey.closed_at,
            archived_at=survey.archived_at,
            created_at=survey.created_at,
            updated_at=survey.updated_at,
            revision=survey.version,
        )

    async def _freeze(self, session: AsyncSession, survey: Survey, *, identity: Identity) -> None:
        problems = policies.publishing_problems(survey.sections)
        if problems:
            raise SurveyDefinitionInvalid(
                f"{len(problems)} problem(s) keep this questionnaire from being published: "
                + "; ".join(f"{p.field}: {p.message}" for p in problems[:5]),
                errors=[p.as_error() for p in problems],
            )
        number = (survey.current_version or 0) + 1
        definition: dict[str, Any] = self.definition_of(survey).model_dump(mode="json")
        session.add(
            SurveyVersion(
                survey_id=survey.id,
                number=number,
                definition=definition,
                published_by=identity.subject,
            )
        )
        survey.current_version = number

    async def _announce_published(self, session: AsyncSession, survey: Survey) -> None:
        payload = SurveyPublished(
            id=survey.id,
            series=survey.series,
            title=survey.title,
            version=survey.current_version or 0,
            anonymous=survey.anonymous,
            opens_at=survey.opens_at,
            closes_at=survey.closes_at,
            questions=sum(
                1 for s in survey.sections for q in s.get("questions", []) if q["type"] != "note"
            ),
            published_at=utcnow(),
        )
        await outbox.emit(
            session,
            type=SURVEY_PUBLISHED,
            subject=str(survey.id),
            data=payload.model_dump(mode="json"),
        )

    async def _locked(self, session: AsyncSession, survey_id: uuid.UUID) -> Survey:
        survey = await survey_repository.lock(session, survey_id)
        if survey is None:
            raise SurveyNotFound(f"No survey with id {survey_id}.")
        return survey

    def _check_move(self, survey: Survey, action: str) -> None:
        status = SurveyStatus(survey.status)
        if not policies.may_move(action, status):
            before = policies.TRANSITIONS[action][0].value
            done = {"publish": "published", "close": "closed", "archive": "archived"}[action]
            article = "an" if before[0] in "aeiou" else "a"
            raise SurveyStatusConflict(
                f"Only {article} {before} survey can be {done}; this one is {status.value}.",
                survey_status=status.value,
            )


survey_service = SurveyService()
