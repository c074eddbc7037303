"""What the history API gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class FieldChange(BaseModel):
    before: Any = Field(description="The value before the change; null when it had none.")
    after: Any = Field(description="The value after the change; null when it has none now.")


class EventChangeRead(BaseModel):
    version: int = Field(description="The event's version this change made.")
    action: str = Field(
        description="created, updated, submitted, withdrawn, published, refused, cancelled, deleted"
    )
    changed_at: datetime
    changed_by: str | None = Field(description="The API key id of who made it.")
    changed_by_role: str | None
    changes: dict[str, FieldChange] = Field(description="Each field that changed.")
