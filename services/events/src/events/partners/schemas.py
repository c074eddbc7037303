"""What the OpenAgenda import takes and gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from contracts.vocabularies import EventKind


class OpenAgendaImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agenda_uid: Annotated[
        str, Field(pattern=r"^\d{1,20}$", description="The agenda's uid on OpenAgenda.")
    ]
    organizer_id: uuid.UUID | None = Field(
        None,
        description="The actor the agenda's events are organized by: required on the first "
        "import of an agenda, remembered for the next ones.",
    )
    kind: EventKind | None = Field(
        None, description="Our kind for its events (OpenAgenda has none); `other` at first."
    )
    full: bool = Field(
        False, description="Read every event again instead of only what changed since last run."
    )


class ImportFailure(BaseModel):
    uid: str
    field: str | None
    message: str


class ImportSummary(BaseModel):
    """What a run did; failed events are skipped (and listed, up to 50) without stopping it."""

    agenda_uid: str
    full: bool
    since: datetime | None = Field(description="Only changes from this moment were asked for.")
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cancelled: int = 0
    failed: int = 0
    failures: list[ImportFailure] = []
    updated_since: datetime | None = Field(
        None, description="The latest change seen: where the next run starts."
    )


class OpenAgendaSyncRead(BaseModel):
    agenda_uid: str
    organizer_id: uuid.UUID
    kind: EventKind
    updated_since: datetime | None
    last_run_at: datetime | None
    last_summary: dict[str, Any]
