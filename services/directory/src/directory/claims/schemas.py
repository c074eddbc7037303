"""What the claims API takes and gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from contracts.text import ONE_LINE


class ClaimCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: Annotated[str, Field(max_length=2000)] | None = Field(
        None, description="Who you are and why this record is yours."
    )
    contact_email: EmailStr | None = Field(
        None, description="Where the staff's decision is mailed (none: it is not)."
    )
    contact_name: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), ONE_LINE] | None
    ) = None
    language: Literal["fr", "en"] = Field("fr", description="The language of that message.")


class ClaimDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["approved", "refused"]
    reason: Annotated[str, Field(max_length=2000)] | None = None


class ClaimRead(BaseModel):
    id: uuid.UUID
    actor_id: uuid.UUID
    requested_by: str
    message: str | None
    status: Literal["pending", "approved", "refused"]
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    contact_email: str | None = None
    contact_name: str | None = None
