"""Query parameters only the JSON list takes (the feeds take the filters alone)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query

from events.search.repository import FACETS
from kit import facets as kit_facets
from kit.moments import MOMENT_FORMATS, Moment

#: The FastAPI dependency reading ``?facets=``.
facet_params = kit_facets.parameter(FACETS)


async def updated_since_param(
    updated_since: Annotated[
        Moment | None,
        Query(
            description="Incremental sync: events changed at or after this time, oldest change "
            "first, with tombstones (`deleted: true`) for events that left the public calendar "
            "(deleted, refused, unpublished). Keep the latest `updated_at` you saw for next time. "
            f"Written as {MOMENT_FORMATS}."
        ),
    ] = None,
) -> datetime | None:
    return updated_since
