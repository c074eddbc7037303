"""What the calendar's list returns beside events: tombstones and facet counts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from contracts.events import EventRead
from kit import facets
from kit.facets import FacetCount


class EventTombstoneRead(BaseModel):
    """An event that left the public calendar since the sync time asked for: drop it."""

    id: uuid.UUID
    deleted: Literal[True] = True
    reason: Literal["deleted", "refused", "unpublished"]
    removed_at: datetime
    updated_at: datetime = Field(description="Same as removed_at: the sync order's key.")
    version: int


class EventListPage(BaseModel):
    """A page of events; with ``updated_since``, tombstones among them; ``facets`` if asked."""

    items: list[EventRead | EventTombstoneRead]
    next: str | None = None
    facets: dict[str, list[FacetCount]] | None = Field(None, description=facets.DESCRIPTION)
