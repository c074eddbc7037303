"""The filters of the calendar, shared by the JSON list and the iCalendar, RSS and Atom feeds."""

from __future__ import annotations

import math
import uuid
from enum import StrEnum
from typing import Annotated

from fastapi import Query, Response
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
from kit.moments import MOMENT_FORMATS, Moment
from kit.problems import InvalidInput

MAX_RADIUS_KM = 500.0
#: The radius when ``near`` comes without ``radius_km``, as for actors.
DEFAULT_RADIUS_KM = 20.0


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


def _near(raw: str | None, radius_km: float | None, response: Response) -> Near | None:
    """``near=lat,lon`` with ``radius_km=`` (default 20), as for actors. The former
    ``near=lat,lon,km`` still works, answered with a ``Deprecation`` header."""
    if raw is None:
        if radius_km is not None:
            raise InvalidInput("query.radius_km", "give near=lat,lon with it")
        return None
    parts = raw.split(",")
    if len(parts) == 3:
        lat, lon, legacy_radius = _numbers("near", raw, 3)
        if radius_km is not None:
            raise InvalidInput("query.near", "give lat,lon only when radius_km is given")
        radius_km = legacy_radius
        response.headers["Deprecation"] = "true"
        response.headers["Link"] = '<#near>; rel="deprecation"; type="text/plain"'
    else:
        lat, lon = _numbers("near", raw, 2)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput("query.near", "latitude or longitude out of range")
    radius = DEFAULT_RADIUS_KM if radius_km is None else radius_km
    if not 0 < radius <= MAX_RADIUS_KM:
        field = "query.near" if len(parts) == 3 else "query.radius_km"
        raise InvalidInput(field, f"the radius must be above 0 and at most {MAX_RADIUS_KM:g} km")
    return Near(lat=lat, lon=lon, radius_km=radius)


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
    response: Response,
    from_: Annotated[
        Moment | None,
        Query(
            alias="from",
            description=f"Events with a timing ending after this moment: {MOMENT_FORMATS}.",
        ),
    ] = None,
    to: Annotated[
        Moment | None,
        Query(description=f"Events with a timing starting before this moment: {MOMENT_FORMATS}."),
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
            description="lat,lon of the centre of a map search, with `radius_km`, as for "
            "actors: events whose place lies within that distance. The former `lat,lon,km` "
            "form is deprecated (still answered, with a `Deprecation: true` header).",
            examples=["43.6045,1.4440"],
        ),
    ] = None,
    radius_km: Annotated[
        float | None,
        Query(
            gt=0,
            le=MAX_RADIUS_KM,
            description=f"Radius around `near`, in km (default {DEFAULT_RADIUS_KM:g}).",
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
    ends_after, starts_before = from_, to
    if ends_after is not None and starts_before is not None and ends_after >= starts_before:
        raise InvalidInput("query.to", "must be after from")
    stems = query_terms(q) if q else []
    if q and not stems:
        raise InvalidInput("query.q", "type at least one letter or digit")
    return EventFilters(
        starts_before=starts_before,
        ends_after=ends_after,
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
        near=_near(near, radius_km, response),
        bbox=_bbox(bbox),
        accessibility=_accessibility(accessibility),
        age=age,
    )
