"""What ``/v1/mail/{service}`` gives staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class MailAttemptRead(BaseModel):
    attempted_at: datetime
    outcome: str = Field(description="sent, temporary, down, permanent, template, suppressed")
    response: str | None = Field(description="The SMTP server's answer, or the error.")


class MailRead(BaseModel):
    """A message of the service's outbox, without its content (see ``MailDetail``)."""

    id: int
    service: str
    recipient: str
    template: str
    language: str
    category: str
    kind: str | None
    status: str = Field(description="pending, sending, sent, failed, suppressed")
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None
    message_id: str
    history: list[MailAttemptRead] = Field(description="Every attempt, oldest first.")


class MailDetail(MailRead):
    data: dict[str, Any] | None = Field(
        description="What the message was rendered from; admins only (null for animators)."
    )
