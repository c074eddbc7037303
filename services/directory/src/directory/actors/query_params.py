"""Reading the list query string into an :class:`ActorSearch`, with field-precise errors."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import Query

from contracts.territory import REGION_OF_DEPARTMENT
from contracts.vocabularies import ActorStatus, ActorType, Audience, Club, Theme
from directory.actors.search import FACETS, BBox, Near, Sort
from directory.actors.search import ActorSearch as ActorSearchQuery
from kit.moments import MOMENT_FORMATS, Moment
from kit.problems import InvalidInput

MultiValue = Annotated[
    list[str] | None, Query(description="Repeat the parameter or separate values by commas.")
]
MAX_RADIUS_KM = 500.0


def _split(field: str, raw: list[str] | None) -> tuple[str, ...]:
    values = tuple(v.strip() for item in raw or () for v in item.split(",") if v.strip())
    if len(values) > 50:
        raise InvalidInput(f"query.{field}", "at most 50 values")
    return values


def _codes(field: str, raw: list[str] | None, vocabulary: type[StrEnum]) -> tuple[str, ...]:
    values = _split(field, raw)
    allowed = {member.value for member in vocabulary}
    for value in values:
        if value not in allowed:
            raise InvalidInput(f"query.{field}", f"unknown value {value!r}")
    return values


def _floats(field: str, raw: str, count: int) -> list[float]:
    try:
        values = [float(part) for part in raw.split(",")]
    except ValueError as exc:
        raise InvalidInput(f"query.{field}", "expected comma-separated numbers") from exc
    if len(values) != count:
        raise InvalidInput(f"query.{field}", f"expected {count} comma-separated numbers")
    return values


async def actor_search_params(
    q: Annotated[
        str | None, Query(max_length=200, description="Full text (accent-insensitive).")
    ] = None,
    type: MultiValue = None,
    theme: MultiValue = None,
    audience: MultiValue = None,
    club: MultiValue = None,
    circle: MultiValue = None,
    department: MultiValue = None,
    region: MultiValue = None,
    commune_insee: MultiValue = None,
    status: MultiValue = None,
    member: bool | None = None,
    near: Annotated[str | None, Query(description="lat,lon of the centre of a map search.")] = None,
    radius_km: Annotated[float, Query(gt=0, le=MAX_RADIUS_KM)] = 20.0,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    updated_since: Annotated[
        Moment | None,
        Query(
            description="Changes since this time, oldest first, tombstones included; "
            f"{MOMENT_FORMATS}."
        ),
    ] = None,
    sort: Sort | None = None,
) -> ActorSearchQuery:
    """FastAPI dependency building the search from the query string."""
    circles = _split("circle", circle)
    if any(c not in {"1", "2", "3"} for c in circles):
        raise InvalidInput("query.circle", "circles are 1, 2 or 3")
    departments = _split("department", department)
    for code in departments:
        if code not in REGION_OF_DEPARTMENT:
            raise InvalidInput("query.department", f"unknown département {code!r}")
    near_value = None
    if near is not None:
        lat, lon = _floats("near", near, 2)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidInput("query.near", "latitude or longitude out of range")
        near_value = Near(lat=lat, lon=lon, radius_km=radius_km)
    bbox_value = None
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = _floats("bbox", bbox, 4)
        if min_lon > max_lon or min_lat > max_lat:
            raise InvalidInput("query.bbox", "expected min_lon,min_lat,max_lon,max_lat")
        bbox_value = BBox(min_lon, min_lat, max_lon, max_lat)
    return ActorSearchQuery(
        q=q,
        tags={
            facet: values
            for facet, values in (
                ("type", _codes("type", type, ActorType)),
                ("theme", _codes("theme", theme, Theme)),
                ("audience", _codes("audience", audience, Audience)),
                ("club", _codes("club", club, Club)),
            )
            if values
        },
        circle=tuple(int(c) for c in circles),
        department=departments,
        region=_split("region", region),
        commune_insee=_split("commune_insee", commune_insee),
        status=_codes("status", status, ActorStatus),
        member=member,
        near=near_value,
        bbox=bbox_value,
        updated_since=updated_since,
        sort=sort,
    )


async def facet_params(
    facets: Annotated[
        str | None, Query(description=f"Comma-separated, among: {', '.join(sorted(FACETS))}.")
    ] = None,
) -> tuple[str, ...]:
    requested = _split("facets", [facets] if facets else None)
    for facet in requested:
        if facet not in FACETS:
            raise InvalidInput("query.facets", f"unknown facet {facet!r}")
    return requested
