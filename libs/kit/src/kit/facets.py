"""Facet counts beside a list: which facets a caller asks for, and how their counts read.

A facet's counts are taken under every filter but the facet's own, so a user can widen it
(the events calendar and the EU calls count them so; each service's repository does the
counting).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence

from fastapi import Query
from pydantic import BaseModel

from kit.problems import InvalidInput

#: The ``facets`` field of a list page, in the API document.
DESCRIPTION = (
    "Per facet asked for, the count of each value under all the other filters (a facet's "
    "own filter is left out, so a user can widen it)."
)


class FacetCount(BaseModel):
    value: str
    count: int


def requested(facets: str | None, known: Sequence[str]) -> tuple[str, ...]:
    """The facets of a comma-separated ``facets`` parameter, each once, in order; an unknown
    one is a 422 naming ``query.facets``."""
    asked = tuple(dict.fromkeys(f.strip() for f in (facets or "").split(",") if f.strip()))
    for facet in asked:
        if facet not in known:
            raise InvalidInput(
                "query.facets", f"unknown facet {facet!r} (known: {', '.join(known)})"
            )
    return asked


def parameter(known: Sequence[str]) -> Callable[[str | None], Awaitable[tuple[str, ...]]]:
    """The FastAPI dependency reading ``?facets=`` among ``known`` (:func:`requested`)."""

    # The Query is a default, not in an annotation: annotations are strings here (PEP 563),
    # which FastAPI resolves in the module's globals, where ``known`` is not.
    description = f"Comma-separated facets to count, among: {', '.join(known)}."

    async def facet_params(
        facets: str | None = Query(None, description=description),
    ) -> tuple[str, ...]:
        return requested(facets, known)

    return facet_params


def most_first(counted: Mapping[str, Iterable[tuple[str, int]]]) -> dict[str, list[FacetCount]]:
    """Each facet's ``(value, count)`` pairs as :class:`FacetCount`, largest count first, then
    by value."""
    return {
        facet: [
            FacetCount(value=value, count=count)
            for value, count in sorted(values, key=lambda item: (-item[1], item[0]))
        ]
        for facet, values in counted.items()
    }
