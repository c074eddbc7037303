"""What the follows API takes and gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from eu_watch.calls.schemas import CallRead


class FollowCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor_id: uuid.UUID | None = Field(
        default=None,
        description="The member following: a member key's own actor by default; staff name it.",
    )
    email: EmailStr | None = Field(
        default=None, description="Where reminders go; by default the actor's public address."
    )
    language: Literal["fr", "en"] = "fr"


class FollowRead(BaseModel):
    actor_id: uuid.UUID
    call_id: uuid.UUID
    created_at: datetime
    email: str | None
    language: str
    call: CallRead


class FollowPage(BaseModel):
    items: list[FollowRead]
    next: str | None = None
