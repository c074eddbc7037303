"""The filters of the calendar, shared by the JSON list and the iCalendar, RSS and Atom feeds."""

from __future__ import annotations

import math
import uuid
from enum import StrEnum
from typing import Annotated

from fastapi import Query
from pydantic import AwareDatetime, BaseModel

from contracts.territory import Department, Region
from contracts.vocabularies import (
    AttendanceMode,
    Audience,
    EventKind,
    EventState,
    EventStatus,
    Theme,
)
from kit.fulltext import query_terms
from kit.problems import InvalidInput

MAX_RADIUS_KM = 500.0


class Relative(StrEnum):
    UPCOMING = "upcoming"
    CURRENT = "current"
    PASSED = "passed"


class AccessibilityFlag(StrEnum):
    HEARING = "hearing"
    VISUAL = "visual"
    MENTAL = "mental"
    MOTOR = "motor"
    INTELLECTUAL = "intellectual"


class Near(BaseModel):
    lat: float
    lon: float
    radius_km: float


class BBox(BaseModel):
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


class EventFilters(BaseModel):
    """Several values of one filter match any of them; different filters all apply.

    Exceptions: every listed accessibility flag must hold, and ``q`` matches events holding
    every word (as a prefix, accents, case and French endings ignored).
    """

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
    attendance_modes: list[AttendanceMode] = []
    #: The stems of ``q`` (empty: no full-text filter).
    q_terms: list[str] = []
    near: Near | None = None
    bbox: BBox | None = None
    accessibility: list[AccessibilityFlag] = []
    age: int | None = None

    def without(self, facet: str) -> EventFilters:
        """The same filters without the one on ``facet`` (facets count under the others)."""
        field = FACET_FILTERS[facet]
        return self.model_copy(update={field: []})


#: Facet → the filter field it narrows.
FACET_FILTERS = {
    "kind": "kinds",
    "theme": "themes",
    "audience": "audiences",
    "department": "departments",
    "region": "regions",
    "status": "statuses",
    "state": "states",
    "attendance_mode": "attendance_modes",
    "accessibility": "accessibility",
}


def _split(raw: list[str] | None) -> list[str]:
    return [v.strip() for item in raw or () for v in item.split(",") if v.strip()]


def _numbers(field: str, raw: str, count: int) -> list[float]:
    try:
        values = [float(part) for part in raw.split(",")]
    except ValueError as exc:
        raise InvalidInput(f"query.{field}", "expected comma-separated numbers") from exc
    if len(values) != count or not all(math.isfinite(v) for v in values):
        raise InvalidInput(f"query.{field}", f"expected {count} comma-separated numbers")
    return values


def _near(raw: str | None) -> Near | None:
    if raw is None:
        return None
    lat, lon, radius_km = _numbers("near", raw, 3)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput("query.near", "latitude or longitude out of range")
    if not 0 < radius_km <= MAX_RADIUS_KM:
        raise InvalidInput(
            "query.near", f"the radius must be above 0 and at most {MAX_RADIUS_KM:g} km"
        )
    return Near(lat=lat, lon=lon, radius_km=radius_km)


def _bbox(raw: str | None) -> BBox | None:
    if raw is None:
        return None
    min_lon, min_lat, max_lon, max_lat = _numbers("bbox", raw, 4)
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise InvalidInput("query.bbox", "expected min_lon,min_lat,max_lon,max_lat within range")
    return BBox(min_lon=min_lon, min_lat=min_lat, max_lon=max_lon, max_lat=max_lat)


def _accessibility(raw: list[str] | None) -> list[AccessibilityFlag]:
    flags = []
    for value in _split(raw):
        try:
            flags.append(AccessibilityFlag(value))
        except ValueError as exc:
            known = ", ".join(flag.value for flag in AccessibilityFlag)
            raise InvalidInput(
                "query.accessibility", f"unknown flag {value!r} (known: {known})"
            ) from exc
    return list(dict.fromkeys(flags))


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
    attendance_mode: Annotated[list[AttendanceMode] | None, Query()] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Full text in title, summary, description and place: every word, "
            "accents and case ignored, French endings too (musees finds Muséum).",
        ),
    ] = None,
    near: Annotated[
        str | None,
        Query(
            description="lat,lon,km: events whose place lies within km of the point "
            f"(at most {MAX_RADIUS_KM:g} km).",
            examples=["43.6045,1.4440,20"],
        ),
    ] = None,
    bbox: Annotated[
        str | None,
        Query(
            description="min_lon,min_lat,max_lon,max_lat: events whose place lies in the box.",
            examples=["1.2,43.5,1.6,43.7"],
        ),
    ] = None,
    accessibility: Annotated[
        list[str] | None,
        Query(
            description="Comma-separated flags among hearing, visual, mental, motor, "
            "intellectual: events accessible for all of them."
        ),
    ] = None,
    age: Annotated[
        int | None,
        Query(
            ge=0,
            le=120,
            description="Events whose age range contains this age (events with no age range "
            "are for all ages and match).",
        ),
    ] = None,
) -> EventFilters:
    """FastAPI dependency reading the calendar filters from the query string."""
    if from_ is not None and to is not None and from_ >= to:
        raise InvalidInput("query.to", "must be after from")
    stems = query_terms(q) if q else []
    if q and not stems:
        raise InvalidInput("query.q", "type at least one letter or digit")
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
        attendance_modes=attendance_mode or [],
        q_terms=stems,
        near=_near(near),
        bbox=_bbox(bbox),
        accessibility=_accessibility(accessibility),
        age=age,
    )
