"""The filters of the calls list and feeds, read from the query string."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal, TypeVar

from fastapi import Query

from contracts.vocabularies import CallStatus, Theme
from eu_watch.calls.schemas import CallDate
from kit import facets as kit_facets
from kit.moments import MOMENT_FORMATS, Moment
from kit.problems import InvalidInput

E = TypeVar("E", bound=StrEnum)
FACETS = ("status", "programme", "type_of_action", "theme", "funder")
#: Facet → the filter field it narrows.
FACET_FIELDS = {
    "status": "statuses",
    "programme": "programmes",
    "type_of_action": "type_of_action",
    "theme": "themes",
    "funder": "funders",
}
Sort = Literal["deadline", "updated", "relevance"]


def _split(values: list[str] | None) -> tuple[str, ...]:
    """Repeated parameters and comma-separated values alike (``status=open,forthcoming``)."""
    return tuple(
        dict.fromkeys(v.strip() for value in values or () for v in value.split(",") if v.strip())
    )


def _split_names(values: list[str] | None) -> tuple[str, ...]:
    """Names typed by people (funders, programmes) may hold commas (a ministry's name): each
    value counts whole, and its comma-separated parts too (``funder=ANR,Région Occitanie``)."""
    whole = [value.strip() for value in values or () if value.strip()]
    return tuple(dict.fromkeys([*whole, *_split(values)]))


@dataclass(frozen=True)
class CallFilters:
    q: str | None = None
    statuses: tuple[CallStatus, ...] = ()
    programmes: tuple[str, ...] = ()
    type_of_action: str | None = None
    themes: tuple[Theme, ...] = ()
    funders: tuple[str, ...] = ()
    deadline_from: date | None = None
    deadline_to: date | None = None
    min_budget: float | None = None
    #: Only the calls of these ids (a member's calls, best first, are ranked elsewhere).
    ids: tuple[uuid.UUID, ...] | None = None

    def without(self, facet: str) -> CallFilters:
        """The same filters less the one of ``facet`` (facet counts let a user widen it)."""
        field = FACET_FIELDS[facet]
        empty: object = None if field == "type_of_action" else ()
        return CallFilters(**{**self.__dict__, field: empty})

    def only(self, facet: str) -> CallFilters:
        """The filter of ``facet`` alone (none when it is unset)."""
        field = FACET_FIELDS[facet]
        return CallFilters(**{field: getattr(self, field)})


def enum_values(kind: type[E], field: str, raw: tuple[str, ...]) -> tuple[E, ...]:
    """``raw`` as members of the vocabulary ``kind``; an unknown value is a 422 naming
    ``query.<field>`` and the known ones."""
    known = {member.value: member for member in kind}
    for value in raw:
        if value not in known:
            raise InvalidInput(
                f"query.{field}", f"unknown {field} {value!r} (known: {', '.join(known)})"
            )
    return tuple(known[value] for value in raw)


async def call_filters(
    q: Annotated[
        str | None,
        Query(max_length=200, description="Full text, English and French (prefixes match)."),
    ] = None,
    status: Annotated[
        list[str] | None,
        Query(description="forthcoming, open, closed (derived from the dates); several allowed."),
    ] = None,
    programme: Annotated[
        list[str] | None,
        Query(description="Programme label, or its short code: `HORIZON`, `ERASMUS+`."),
    ] = None,
    type_of_action: Annotated[
        str | None,
        Query(max_length=120, description="Words of the type of action (`coordination`)."),
    ] = None,
    theme: Annotated[list[str] | None, Query(description="The network's themes.")] = None,
    funder: Annotated[list[str] | None, Query(description="Funder, as written on calls.")] = None,
    # Bounded as a call's own dates are: the day's midnight in Brussels, taken to UTC, of
    # 0001-01-01 or 9999-12-31 is no datetime (an OverflowError, a 500).
    deadline_from: Annotated[
        CallDate | None, Query(description="Calls with a cut-off on or after this day.")
    ] = None,
    deadline_to: Annotated[
        CallDate | None, Query(description="Calls with a cut-off on or before this day.")
    ] = None,
    min_budget: Annotated[
        float | None, Query(ge=0, description="Topic budget at least this (euros).")
    ] = None,
    open_now: Annotated[
        bool, Query(description="Only calls open for submission now (status=open).")
    ] = False,
) -> CallFilters:
    """FastAPI dependency reading the filters."""
    statuses = enum_values(CallStatus, "status", _split(status))
    if open_now:
        if statuses and CallStatus.OPEN not in statuses:
            raise InvalidInput("query.open_now", "contradicts the status asked for")
        statuses = (CallStatus.OPEN,)
    if deadline_from and deadline_to and deadline_to < deadline_from:
        raise InvalidInput("query.deadline_to", "is before deadline_from")
    return CallFilters(
        q=q.strip() or None if q else None,
        statuses=statuses,
        programmes=_split_names(programme),
        type_of_action=type_of_action.strip() or None if type_of_action else None,
        themes=enum_values(Theme, "theme", _split(theme)),
        funders=_split_names(funder),
        deadline_from=deadline_from,
        deadline_to=deadline_to,
        min_budget=min_budget,
    )


#: The FastAPI dependency reading ``?facets=``.
facet_params = kit_facets.parameter(FACETS)


async def updated_since_param(
    updated_since: Annotated[
        Moment | None,
        Query(
            description="Incremental sync: calls changed at or after this time, oldest change"
            f" first, with tombstones (`deleted: true`) for calls that were removed; written as"
            f" {MOMENT_FORMATS}."
        ),
    ] = None,
) -> datetime | None:
    return updated_since
