"""What the sources API gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class SyncCounts(BaseModel):
    """What one run saw and did."""

    pages: int = 0
    pages_failed: int = 0
    results: int = 0
    faq_skipped: int = 0
    duplicates: int = 0
    unreadable: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retries: int = 0
    labels_changed: int = 0


class SourceRead(BaseModel):
    name: str
    url: str
    scheduled: bool = Field(description="Whether the source syncs on its own schedule.")
    interval_seconds: float
    running: bool
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_outcome: Literal["ok", "partial", "failed"] | None = None
    last_trigger: str | None = None
    counts: SyncCounts = SyncCounts()
    errors: list[str] = Field(default=[], description="The last run's errors (first 50).")
    next_run_at: datetime | None = Field(
        default=None, description="When the schedule runs it next (null: not scheduled)."
    )


class PortalAnswer(BaseModel):
    """A saved answer of the portal's search API (and, optionally, of its facet endpoint)."""

    results: list[dict[str, Any]] = Field(max_length=5000)
    facets: list[dict[str, Any]] = Field(default=[], max_length=100)


class ImportReport(BaseModel):
    counts: SyncCounts
    errors: list[str]
