"""Partner and inbox requests and answers."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from contracts.text import ONE_LINE
from gateway.webhooks.schemas import WebhookAttemptRead

#: Partner slugs are the ``partner`` of partner API keys and the ``source`` of ``ext_ids``
#: (the events service takes sources of up to 60 characters).
SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,59}$"


class PartnerStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class MessageStatus(StrEnum):
    PENDING = "pending"
    FORWARDED = "forwarded"
    REJECTED = "rejected"


class PartnerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(
        pattern=SLUG_PATTERN,
        description="The partner's name in URLs, partner API keys and `ext_ids`.",
        examples=["openagenda"],
    )
    name: Annotated[str, Field(min_length=1, max_length=200), ONE_LINE] = Field(
        examples=["OpenAgenda"]
    )


class PartnerRead(BaseModel):
    """A partner as listed: everything but its inbox secret."""

    slug: str
    name: str
    status: PartnerStatus
    inbox_url: str = Field(description="Where the partner pushes its signed changes.")
    created_by: str
    created_at: datetime
    disabled_at: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="After a rotation: the previous secret is still accepted until then."
    )


class PartnerSecret(PartnerRead):
    """The answer to a creation or a rotation: the only time the secret is shown."""

    secret: str = Field(description="`whsec_` + base64: sign inbox pushes with it. Shown once.")


class PartnerPage(BaseModel):
    items: list[PartnerRead]
    next: str | None = None


class PushAccepted(BaseModel):
    id: int = Field(description="The message's number in the partner's inbox.")
    webhook_id: str
    status: MessageStatus


class PushDuplicate(BaseModel):
    webhook_id: str
    duplicate: bool = Field(True, description="Already received: this push was dropped.")


class PartnerAttemptRead(WebhookAttemptRead):
    """One forwarding attempt: a webhook attempt, plus the request made to the service."""

    request: str = Field(examples=["PUT /v1/events/ext/openagenda/12345"])


class PartnerMessageRead(BaseModel):
    id: int
    webhook_id: str
    type: str
    record_id: str = Field(description="`data.id`: the partner's id of the record.")
    status: MessageStatus = Field(
        description="`pending` (being forwarded, retried on failure), `forwarded`, or "
        "`rejected` by the owning service (see `reason`; not retried)."
    )
    reason: str | None
    received_at: datetime
    next_attempt_at: datetime | None
    finished_at: datetime | None
    attempts: list[PartnerAttemptRead]


class PartnerMessagePage(BaseModel):
    items: list[PartnerMessageRead]
    next: str | None = None


class PartnerPush(BaseModel):
    """What a partner pushes to its inbox (documented here; read from the signed bytes)."""

    type: str = Field(
        description="`event.upserted` (create or update the event with this `data.id`) or "
        "`event.deleted` (cancel it).",
        examples=["event.upserted"],
    )
    timestamp: str = Field(description="When the change happened (RFC 3339).")
    data: dict[str, object] = Field(
        description="`id`: the partner's id of the record; for `event.upserted`, the fields "
        "of `POST /v1/events` besides."
    )
