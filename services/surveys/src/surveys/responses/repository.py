"""Every query on responses.

What a personal link opens is read and written with Core statements built once, here, on
the tables' columns: a request through a link is the hottest path of the service (a survey
mailed to a network is answered by hundreds at once), and building the ORM query (two
aliases of ``responses`` adapted, its cache key generated), loading four whole entities and
flushing them through the unit of work took a third of its CPU. A statement built once keeps
its compiled form and its cache key; rows come back as the few columns the link needs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from surveys.invitations.models import Invitation
from surveys.questionnaires.models import Survey, SurveyVersion
from surveys.responses.models import Response

_invitations = cast(sa.Table, Invitation.__table__)
_surveys = cast(sa.Table, Survey.__table__)
_versions = cast(sa.Table, SurveyVersion.__table__)
_responses = cast(sa.Table, Response.__table__)


@dataclass(slots=True)
class LinkedInvitation:
    """The invitation behind a link: what answering reads of it and may change."""

    id: uuid.UUID
    survey_id: uuid.UUID
    actor_id: uuid.UUID | None
    #: Set for an invitation after a training (only those have a feedback row).
    training_id: uuid.UUID | None
    language: str
    status: str


@dataclass(frozen=True, slots=True)
class LinkedSurvey:
    """What answering reads of the survey."""

    id: uuid.UUID
    status: str
    current_version: int | None
    anonymous: bool
    allow_edit_after_submit: bool
    opens_at: datetime | None
    closes_at: datetime | None


@dataclass(slots=True)
class StoredResponse:
    """A response as answering reads and writes it (every column but ``created_at``)."""

    id: uuid.UUID
    survey_id: uuid.UUID
    version: int
    actor_id: uuid.UUID | None
    profile: dict[str, Any] | None
    answers: dict[str, Any]
    status: str
    language: str
    updated_at: datetime | None
    submitted_at: datetime | None


@dataclass(frozen=True)
class Link:
    invitation: LinkedInvitation
    survey: LinkedSurvey
    version_id: uuid.UUID | None
    response: StoredResponse | None


def _columns_of(shape: type) -> tuple[str, ...]:
    """The columns a row of ``shape`` is read from: its fields, in their order (rows are
    built by position, so the two can never disagree)."""
    return tuple(f.name for f in fields(shape))


_INVITATION = _columns_of(LinkedInvitation)
_SURVEY = _columns_of(LinkedSurvey)
_RESPONSE = _columns_of(StoredResponse)


def _link_statement() -> sa.Select[Any]:
    """What a token opens, in one query (see :meth:`ResponseRepository.link`); the token and
    the respondent key are bound at each execution."""
    named = _responses.alias("named_response")
    keyed = _responses.alias("keyed_response")
    query = (
        sa.select(
            *(_invitations.c[name] for name in _INVITATION),
            *(_surveys.c[name] for name in _SURVEY),
            _versions.c.id,
            *(named.c[name] for name in _RESPONSE),
            *(keyed.c[name] for name in _RESPONSE),
        )
        .select_from(_invitations)
        .join(_surveys, _surveys.c.id == _invitations.c.survey_id)
        .outerjoin(
            _versions,
            sa.and_(
                _versions.c.survey_id == _surveys.c.id,
                _versions.c.number == _surveys.c.current_version,
            ),
        )
        .outerjoin(named, named.c.invitation_id == _invitations.c.id)
        .outerjoin(keyed, keyed.c.respondent_key == sa.bindparam("respondent_key"))
        .where(_invitations.c.token == sa.bindparam("token"), _surveys.c.deleted_at.is_(None))
    )
    return query


_LINK = _link_statement()
#: Taken before reading a link to change it (see :meth:`ResponseRepository.link`).
_LOCK_INVITATION = (
    sa.select(_invitations.c.id)
    .where(_invitations.c.token == sa.bindparam("token"))
    .with_for_update()
)
_SURVEY_AT = len(_INVITATION)
_VERSION_AT = _SURVEY_AT + len(_SURVEY)
_NAMED_AT = _VERSION_AT + 1
_KEYED_AT = _NAMED_AT + len(_RESPONSE)


_INSERT_RESPONSE = sa.insert(_responses)
#: The columns set are those of the parameters given at execution.
_UPDATE_RESPONSE = sa.update(_responses).where(_responses.c.id == sa.bindparam("response_id"))
_UPDATE_INVITATION = sa.update(_invitations).where(
    _invitations.c.id == sa.bindparam("invitation_id")
)


def _response_at(row: sa.Row[Any], start: int) -> StoredResponse | None:
    if row[start] is None:
        return None
    return StoredResponse(*row[start : start + len(_RESPONSE)])


class ResponseRepository:
    async def link(
        self, session: AsyncSession, token: str, *, respondent_key: str, for_update: bool
    ) -> Link | None:
        """What a token opens, in one query (one round trip): its invitation (locked
        ``for_update``: two saves through one link never interleave, and every change of a
        response goes through its invitation's lock), its survey (not deleted), the id of
        the survey's current version (None before the first publication) and its response
        so far: the invitation's for a named survey, the one under ``respondent_key`` (the
        token's HMAC) for an anonymous one.

        ``for_update`` locks the invitation by a statement of its own, then reads: under
        PostgreSQL's READ COMMITTED a locking read that waited for another transaction sees
        the locked row as that one left it but keeps its first snapshot for the rows it
        joins, so a double click's second submission read the invitation as submitted and
        the response as still partial (and wrote its counted form a second time). The read
        after the lock is a new statement, with a new snapshot."""
        parameters = {"token": token, "respondent_key": respondent_key}
        if for_update:
            locked = await session.execute(_LOCK_INVITATION, {"token": token})
            if locked.first() is None:
                return None
        row = (await session.execute(_LINK, parameters)).one_or_none()
        if row is None:
            return None
        invitation = LinkedInvitation(*row[:_SURVEY_AT])
        survey = LinkedSurvey(*row[_SURVEY_AT:_VERSION_AT])
        response = _response_at(row, _KEYED_AT if survey.anonymous else _NAMED_AT)
        return Link(invitation, survey, row[_VERSION_AT], response)

    async def add(
        self,
        session: AsyncSession,
        response: StoredResponse,
        *,
        invitation_id: uuid.UUID | None,
        respondent_key: str | None,
        created_at: datetime,
    ) -> None:
        """Insert a new response (one statement, no unit of work)."""
        values = {name: getattr(response, name) for name in _RESPONSE}
        await session.execute(
            _INSERT_RESPONSE,
            values
            | {
                "invitation_id": invitation_id,
                "respondent_key": respondent_key,
                "created_at": created_at,
            },
        )

    async def update(
        self, session: AsyncSession, response_id: uuid.UUID, values: dict[str, Any]
    ) -> None:
        """Set ``values`` (column: value) on a response."""
        await session.execute(_UPDATE_RESPONSE, values | {"response_id": response_id})

    async def update_invitation(
        self, session: AsyncSession, invitation_id: uuid.UUID, values: dict[str, Any]
    ) -> None:
        """Set ``values`` (column: value) on the link's invitation."""
        await session.execute(_UPDATE_INVITATION, values | {"invitation_id": invitation_id})

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
