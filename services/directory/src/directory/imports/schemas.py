"""What the imports API gives."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ImportRead(BaseModel):
    id: uuid.UUID
    status: Literal["queued", "running", "done", "failed"]
    dry_run: bool = Field(description="A dry run reports what would happen and writes nothing.")
    source: str
    filename: str | None
    file_format: str
    total_rows: int
    processed_rows: int
    progress: float = Field(description="0..1")
    created_count: int = Field(description="Rows that created (or would create) an actor.")
    updated_count: int = Field(description="Rows that changed (or would change) an actor.")
    failed_count: int
    errors: list[dict[str, Any]] = Field(description="{line, field, message}, first 1000.")
    duplicates: list[dict[str, Any]] = Field(description="Likely duplicates, first 1000.")
    matches: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Rows that update (or would update) an existing actor, first 1000: "
        "{line, actor_id, rule}; rule is `external_id` (the file's id column under its "
        "source), `siret`, or `name_and_commune` (rows with neither: the same name, accents "
        "and case aside, in the same commune).",
    )
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    failure: str | None
