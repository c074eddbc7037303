"""Events published by the surveys service: ids and counts only.

None carries an answer or a respondent's identity: a submitted response names its actor only
for a named (non-anonymous) survey, and that field is for the network's own services, removed
before any webhook (:data:`RESPONSE_PRIVATE_FIELDS`). The types are registered in
:data:`EVENT_TYPES`, which :mod:`contracts.registry` collects."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from contracts.event_type import EventType

SURVEY_PUBLISHED = "surveys.survey.published"
SURVEY_CLOSED = "surveys.survey.closed"
#: Fields of surveys events that only the network's services receive, never a webhook.
RESPONSE_PRIVATE_FIELDS = frozenset({"actor_id"})
INVITATION_PRIVATE_FIELDS = frozenset({"actor_id"})


class SurveyTitle(BaseModel):
    fr: str
    en: str | None = None


class SurveyPublished(BaseModel):
    """Payload of ``surveys.survey.published``: a survey opened, or got a new version."""

    id: uuid.UUID
    series: str | None = None
    title: SurveyTitle
    version: int
    anonymous: bool
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    questions: int
    published_at: datetime


class SurveyClosed(BaseModel):
    """Payload of ``surveys.survey.closed``, with how it went."""

    id: uuid.UUID
    series: str | None = None
    version: int
    invitations: int
    responses_submitted: int
    closed_at: datetime


class InvitationCreated(BaseModel):
    """Payload of ``surveys.invitation.created`` (``actor_id`` is internal)."""

    id: uuid.UUID
    survey_id: uuid.UUID
    actor_id: uuid.UUID | None = None
    created_at: datetime


class ResponseSubmitted(BaseModel):
    """Payload of ``surveys.response.submitted``: never the answers; ``actor_id`` only for a
    named survey, and internal."""

    id: uuid.UUID
    survey_id: uuid.UUID
    version: int
    anonymous: bool
    actor_id: uuid.UUID | None = None
    submitted_at: datetime


STREAM = "SURVEYS"

EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        SURVEY_PUBLISHED,
        "A survey opened for answers, or published its next version.",
        SurveyPublished,
        "surveys",
        STREAM,
    ),
    EventType(
        SURVEY_CLOSED,
        "A survey stopped taking answers (with its counts).",
        SurveyClosed,
        "surveys",
        STREAM,
    ),
)
