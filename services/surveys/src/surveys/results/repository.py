"""Every query of the results: settings, submitted answers, invitations, versions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from kit.db import Database
from surveys.invitations.models import Invitation
from surveys.questionnaires.models import SurveyVersion
from surveys.responses.models import Response
from surveys.results.models import ResultSettings

SUBMITTED = "submitted"


@dataclass(frozen=True)
class SubmittedRow:
    id: uuid.UUID
    version: int
    actor_id: uuid.UUID | None
    profile: dict[str, Any] | None
    answers: dict[str, Any]
    submitted_at: datetime | None
    language: str
    status: str


# The JSON columns come as text and are decoded with orjson: on 10,000 responses of 40
# answers the standard json module took most of a results request.
_COLUMNS = (
    Response.id,
    Response.version,
    Response.actor_id,
    sa.cast(Response.profile, sa.Text).label("profile"),
    sa.cast(Response.answers, sa.Text).label("answers"),
    Response.submitted_at,
    Response.language,
    Response.status,
)


def _row(values: Sequence[Any]) -> SubmittedRow:
    response_id, version, actor_id, profile, answers, submitted_at, language, status = values[:8]
    return SubmittedRow(
        response_id,
        version,
        actor_id,
        orjson.loads(profile) if profile else None,
        orjson.loads(answers) if answers else {},
        submitted_at,
        language,
        status,
    )


def _one_answer(code: str, dialect: str) -> sa.ColumnElement[Any]:
    """One question's answer as JSON text, extracted by the database. (SQLite's
    ``json_extract`` would give ``true`` as 1: its ``->`` keeps the JSON.) Codes are
    ``[a-z][a-z0-9_]*``, checked on every definition, so they are safe in the path."""
    if dialect == "sqlite":
        return sa.type_coerce(Response.answers, sa.Text).op("->")(f"$.{code}")
    return sa.cast(sa.type_coerce(Response.answers, JSONB).op("->")(code), sa.Text)


def _submitted(
    survey_ids: Sequence[uuid.UUID],
    version: int | None,
    only: str | None = None,
    dialect: str = "sqlite",
) -> sa.Select[Any]:
    columns = list(_COLUMNS)
    if only is not None:  # one question's answer, extracted by the database
        columns[4] = _one_answer(only, dialect).label("answers")
    query: sa.Select[Any] = sa.select(*columns, Response.survey_id)  # type: ignore[assignment]
    query = query.where(Response.survey_id.in_(survey_ids), Response.status == SUBMITTED)
    if version is not None:
        query = query.where(Response.version == version)
    return query


class ResultRepository:
    async def settings(self, session: AsyncSession, survey_id: uuid.UUID) -> ResultSettings | None:
        return await session.get(ResultSettings, survey_id)

    async def settings_of(
        self, session: AsyncSession, survey_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, ResultSettings]:
        if not survey_ids:
            return {}
        rows = await session.scalars(
            sa.select(ResultSettings).where(ResultSettings.survey_id.in_(survey_ids))
        )
        return {row.survey_id: row for row in rows}

    async def lock_settings(
        self, session: AsyncSession, survey_id: uuid.UUID
    ) -> ResultSettings | None:
        query = (
            sa.select(ResultSettings)
            .where(ResultSettings.survey_id == survey_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return (await session.scalars(query)).one_or_none()

    async def submitted(
        self,
        session: AsyncSession,
        survey_id: uuid.UUID,
        *,
        version: int | None = None,
        only: str | None = None,
    ) -> list[SubmittedRow]:
        """Submitted responses; with ``only``, their answers hold that question alone."""
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        rows = await session.execute(_submitted([survey_id], version, only, dialect))
        if only is None:
            return [_row(row) for row in rows]
        out = []
        for row in rows:
            response = _row((*row[:4], None, *row[5:]))
            value = orjson.loads(row[4]) if row[4] else None
            answers = {} if value is None else {only: value}
            out.append(SubmittedRow(**{**response.__dict__, "answers": answers}))
        return out

    async def stream_responses(
        self, database: Database, survey_id: uuid.UUID, *, batch: int = 500
    ) -> AsyncIterator[list[SubmittedRow]]:
        """Every response (partial ones too) in batches, each batch its own short read."""
        after: uuid.UUID | None = None
        while True:
            query = sa.select(*_COLUMNS).where(Response.survey_id == survey_id)
            if after is not None:
                query = query.where(Response.id > after)
            query = query.order_by(Response.id).limit(batch)
            async with database.transaction() as session:
                rows = (await session.execute(query)).all()
            if not rows:
                return
            yield [_row(row) for row in rows]
            after = rows[-1].id

    async def invitation_statuses(
        self, session: AsyncSession, survey_id: uuid.UUID
    ) -> list[tuple[uuid.UUID | None, str]]:
        rows = await session.execute(
            sa.select(Invitation.actor_id, Invitation.status).where(
                Invitation.survey_id == survey_id
            )
        )
        return [(row.actor_id, row.status) for row in rows]

    async def versions_of(
        self, session: AsyncSession, survey_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[SurveyVersion]]:
        """Published versions of several surveys (newest first), in one query."""
        found: dict[uuid.UUID, list[SurveyVersion]] = {s: [] for s in survey_ids}
        if not survey_ids:
            return found
        query = (
            sa.select(SurveyVersion)
            .where(SurveyVersion.survey_id.in_(list(survey_ids)))
            .order_by(SurveyVersion.number.desc())
        )
        for version in await session.scalars(query):
            found[version.survey_id].append(version)
        return found

    async def versions(self, session: AsyncSession, survey_id: uuid.UUID) -> list[SurveyVersion]:
        """Published versions, newest first."""
        query = (
            sa.select(SurveyVersion)
            .where(SurveyVersion.survey_id == survey_id)
            .order_by(SurveyVersion.number.desc())
        )
        return list((await session.scalars(query)).all())


result_repository = ResultRepository()
