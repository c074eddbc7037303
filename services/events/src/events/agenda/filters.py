"""The filters of the calendar, shared by the JSON list and the iCalendar feed."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import AwareDatetime, BaseModel

from contracts.territory import Department, Region
from contracts.vocabularies import Audience, EventKind, EventState, EventStatus, Theme
from kit.problems import InvalidInput


class Relative(StrEnum):
    UPCOMING = "upcoming"
    CURRENT = "current"
    PASSED = "passed"


class EventFilters(BaseModel):
    """Several values of one filter match any of them; different filters all apply."""

    starts_before: AwareDatetime | None = None
    ends_after: AwareDatetime | None = None
    kinds: list[EventKind] = []
    themes: list[Theme] = []
    audiences: list[Audience] = []
    relative: Relative | None = None
    departments: list[str] = []
    regions: list[str] = []
    organizer_ids: list[uuid.UUID] = []
    states: list[EventState] = []
    statuses: list[EventStatus] = []


async def event_filters(
    from_: Annotated[
        AwareDatetime | None,
        Query(
            alias="from",
            description="Events with a timing ending after this moment (RFC 3339 with offset).",
        ),
    ] = None,
    to: Annotated[
        AwareDatetime | None,
        Query(description="Events with a timing starting before this moment."),
    ] = None,
    kind: Annotated[list[EventKind] | None, Query()] = None,
    theme: Annotated[list[Theme] | None, Query()] = None,
    audience: Annotated[list[Audience] | None, Query()] = None,
    relative: Annotated[
        Relative | None,
        Query(
            description="upcoming: a session still to start; current: a session under way; "
            "passed: every session over."
        ),
    ] = None,
    department: Annotated[list[Department] | None, Query()] = None,
    region: Annotated[list[Region] | None, Query()] = None,
    organizer_id: Annotated[list[uuid.UUID] | None, Query()] = None,
    state: Annotated[
        list[EventState] | None, Query(description="Staff only; the public sees published.")
    ] = None,
    status: Annotated[list[EventStatus] | None, Query()] = None,
) -> EventFilters:
    """FastAPI dependency reading the calendar filters from the query string."""
    if from_ is not None and to is not None and from_ >= to:
        raise InvalidInput("query.to", "must be after from")
    return EventFilters(
        starts_before=to,
        ends_after=from_,
        kinds=kind or [],
        themes=theme or [],
        audiences=audience or [],
        relative=relative,
        departments=department or [],
        regions=region or [],
        organizer_ids=organizer_id or [],
        states=state or [],
        statuses=status or [],
    )
