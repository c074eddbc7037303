"""What the calls API takes and gives."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, computed_field, model_validator

from contracts.vocabularies import CallStatus


class Budget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    total_eur: Annotated[float, Field(ge=0)] | None = None
    min_contribution_eur: Annotated[float, Field(ge=0)] | None = None
    max_contribution_eur: Annotated[float, Field(ge=0)] | None = None
    expected_grants: Annotated[int, Field(ge=0)] | None = None


class CallCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identifier: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{2,119}$")] = Field(
        description="Topic id, e.g. HORIZON-CL2-2025-01-TRANSFO-01."
    )
    call_identifier: Annotated[str, Field(max_length=120)] | None = None
    title: Annotated[str, Field(min_length=1, max_length=500)]
    programme: Annotated[str, Field(max_length=120)] | None = None
    type_of_action: Annotated[str, Field(max_length=120)] | None = None
    opening_date: date | None = None
    deadlines: Annotated[list[date], Field(max_length=10)] = []
    deadline_model: (
        Literal["single-stage", "two-stage", "multiple cut-off", "continuous"] | None
    ) = None
    budget: Budget = Budget()
    keywords: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=50)] = []
    description: Annotated[str, Field(max_length=50_000)] | None = None
    url: HttpUrl | None = None
    source: Literal["manual", "ft-portal"] = "manual"

    @model_validator(mode="after")
    def _deadlines_after_opening(self) -> CallCreate:
        if self.opening_date and any(d < self.opening_date for d in self.deadlines):
            raise ValueError("deadlines must not be before opening_date")
        return self


class CallRead(CallCreate):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> CallStatus:
        """Derived from the dates: forthcoming before opening, closed after the last deadline."""
        today = datetime.now(UTC).date()
        if self.opening_date and today < self.opening_date:
            return CallStatus.FORTHCOMING
        if self.deadlines and today > max(self.deadlines):
            return CallStatus.CLOSED
        return CallStatus.OPEN
