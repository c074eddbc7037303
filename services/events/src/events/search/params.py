"""Query parameters only the JSON list takes (the feeds take the filters alone)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query

from events.search.repository import FACETS
from kit.moments import MOMENT_FORMATS, Moment
from kit.problems import InvalidInput


async def facet_params(
    facets: Annotated[
        str | None,
        Query(description=f"Comma-separated facets to count, among: {', '.join(FACETS)}."),
    ] = None,
) -> tuple[str, ...]:
    """FastAPI dependency reading the facets asked for."""
    requested = tuple(dict.fromkeys(f.strip() for f in (facets or "").split(",") if f.strip()))
    for facet in requested:
        if facet not in FACETS:
            raise InvalidInput(
                "query.facets", f"unknown facet {facet!r} (known: {', '.join(FACETS)})"
            )
    return requested


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
