"""Webhook endpoint requests and answers."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from contracts.text import TEXT

# ``events.registration.created``, ``events.*``, ``directory.actor.*``, ``*``.
_EVENT_TYPE = re.compile(r"^(\*|[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?)$")


#: Endpoints one partner may have: every event is fanned out to each of them.
MAX_ENDPOINTS_PER_PARTNER = 20


def _well_formed(event_types: list[str]) -> list[str]:
    for event_type in event_types:
        if not _EVENT_TYPE.match(event_type):
            raise ValueError(f"{event_type!r} is not an event type or a wildcard")
    return list(dict.fromkeys(event_types))


class EndpointStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class WebhookEndpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=1,
        max_length=2048,
        description="https only, resolving to public addresses.",
        examples=["https://partner.example.org/maillage/webhooks"],
    )
    event_types: list[str] = Field(
        min_length=1,
        max_length=100,
        description="Exact types or wildcards: `events.*`, `directory.actor.*`, `*`.",
        examples=[["events.*"]],
    )
    description: Annotated[str, Field(max_length=2000), TEXT] | None = None

    @field_validator("event_types")
    @classmethod
    def types_are_well_formed(cls, value: list[str]) -> list[str]:
        return _well_formed(value)


class WebhookEndpointUpdate(BaseModel):
    """What a PATCH may change; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(
        default=None,
        min_length=1,
        max_length=2048,
        description="https only, resolving to public addresses (checked again).",
    )
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=100)
    description: Annotated[str, Field(max_length=2000), TEXT] | None = None
    disabled: bool | None = Field(
        default=None,
        description="true: stop deliveries; false: resume them (and forget past failures).",
    )

    @field_validator("event_types")
    @classmethod
    def types_are_well_formed(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _well_formed(value)


class WebhookRecover(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime = Field(
        description="Deliveries created since this time are sent again.",
        examples=["2026-11-30T08:00:00Z"],
    )
    include_succeeded: bool = Field(
        default=False,
        description="false (as Svix): only the failed ones; true: every delivery since then.",
    )


class WebhookRecoverResult(BaseModel):
    since: datetime
    requeued: int = Field(description="Deliveries queued again by this call.")
    pending: int = Field(description="Deliveries of the endpoint now waiting to be sent.")


class WebhookEndpointRead(BaseModel):
    """An endpoint as listed: everything but its secret."""

    id: str = Field(examples=["whep_Jd9Qb2Lk4xYz"])
    url: str
    event_types: list[str]
    description: str | None
    partner: str | None
    status: EndpointStatus
    disabled_reason: str | None
    created_by: str
    created_at: datetime
    disabled_at: datetime | None
    failing_since: datetime | None = Field(
        description="The first failure with no success since; null while deliveries succeed."
    )


class WebhookEndpointSecret(WebhookEndpointRead):
    """The answer to a creation or a rotation: the only time the secret is shown."""

    secret: str = Field(description="`whsec_` + base64: verify signatures with it. Shown once.")
    previous_secret_expires_at: datetime | None = Field(
        default=None, description="After a rotation: the old secret still signs until then."
    )


class WebhookEndpointPage(BaseModel):
    items: list[WebhookEndpointRead]
    next: str | None = None


class WebhookAttemptRead(BaseModel):
    attempted_at: datetime
    status_code: int | None = Field(description="null: no answer (timeout, refused).")
    duration_ms: int
    response_excerpt: str | None = Field(description="The first kilobyte of the answer.")
    error: str | None
    next_attempt_at: datetime | None = Field(description="null: no further attempt.")


class WebhookDeliveryRead(BaseModel):
    id: str = Field(description="The `webhook-id` header, the same on every attempt.")
    event_id: str
    event_type: str
    status: str = Field(description="`pending`, `succeeded` or `failed` (gave up).")
    next_attempt_at: datetime | None
    created_at: datetime
    attempts: list[WebhookAttemptRead]


class WebhookDeliveryPage(BaseModel):
    items: list[WebhookDeliveryRead]
    next: str | None = None
