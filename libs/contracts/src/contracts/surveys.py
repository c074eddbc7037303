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
RESULTS_PUBLISHED = "surveys.results.published"
INVITATION_CREATED = "surveys.invitation.created"
INDICATOR_UPDATED = "surveys.indicator.updated"
INDICATOR_DELETED = "surveys.indicator.deleted"
RESPONSE_SUBMITTED = "surveys.response.submitted"
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
    named survey, and internal. For an anonymous survey ``id`` is a random id of the event
    (not the stored response's) and ``submitted_at`` the start of the day (Paris), so that
    the event's moment leads to no answers."""

    id: uuid.UUID
    survey_id: uuid.UUID
    version: int
    anonymous: bool
    actor_id: uuid.UUID | None = None
    submitted_at: datetime


class ResultsPublished(BaseModel):
    """Payload of ``surveys.results.published``: anyone may now read the survey's results,
    figures of fewer than ``k`` respondents withheld (``respondents`` too when under ``k``)."""

    survey_id: uuid.UUID
    series: str | None = None
    k: int
    respondents: int | None = None
    published_at: datetime


class IndicatorValue(BaseModel):
    """One wave of an indicator as published: ``value`` null when withheld."""

    survey_id: uuid.UUID
    wave: str
    value: float | None = None
    respondents: int | None = None
    suppressed: bool


class IndicatorUpdated(BaseModel):
    """Payload of ``surveys.indicator.updated``: a public indicator (or one that stopped being
    public: ``public`` false, no values) with its values per wave as published, suppressed."""

    id: uuid.UUID
    series: str
    name: SurveyTitle
    question: str
    measure: str
    unit: str | None = None
    public: bool
    values: list[IndicatorValue]
    updated_at: datetime


class IndicatorDeleted(BaseModel):
    """Payload of ``surveys.indicator.deleted``: a public indicator is gone (a private one was
    never announced, so its deletion is not either)."""

    id: uuid.UUID
    series: str
    deleted_at: datetime


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
    EventType(
        RESULTS_PUBLISHED,
        "A survey's results were published (small cells withheld).",
        ResultsPublished,
        "surveys",
        STREAM,
    ),
    # Who is invited is about people: the network's own endpoints only.
    EventType(
        INVITATION_CREATED,
        "Someone was invited to answer a survey.",
        InvitationCreated,
        "surveys",
        STREAM,
        partners=False,
        private_fields=INVITATION_PRIVATE_FIELDS,
    ),
    EventType(
        INDICATOR_UPDATED,
        "A public indicator's values changed, as published (small cells withheld).",
        IndicatorUpdated,
        "surveys",
        STREAM,
    ),
    EventType(
        INDICATOR_DELETED,
        "A public indicator was deleted: drop its values.",
        IndicatorDeleted,
        "surveys",
        STREAM,
    ),
    EventType(
        RESPONSE_SUBMITTED,
        "A response was submitted (never its answers).",
        ResponseSubmitted,
        "surveys",
        STREAM,
        partners=False,
        private_fields=RESPONSE_PRIVATE_FIELDS,
    ),
)
