"""Which service owns a public path: the first segment after ``/v1/`` decides."""

from __future__ import annotations

from collections.abc import Mapping

API_PREFIX = "/v1/"

#: First path segment → owning service. ``api-keys``, ``webhooks`` and ``partners`` are the
#: gateway's own and are served by its FastAPI app, like any segment not listed here.
SEGMENT_OWNERS: Mapping[str, str] = {
    "actors": "directory",
    "resources": "directory",
    "imports": "directory",
    "vocabularies": "directory",
    "events": "events",
    "registrations": "events",
    "surveys": "surveys",
    "responses": "surveys",
    "calls": "eu-watch",
    "watches": "eu-watch",
}

SERVICES: tuple[str, ...] = ("directory", "events", "surveys", "eu-watch")


def first_segment(path: str) -> str | None:
    """``/v1/events.ics`` → ``events``; ``/v1/actors/42`` → ``actors``; else None."""
    if not path.startswith(API_PREFIX):
        return None
    segment = path[len(API_PREFIX) :].split("/", 1)[0]
    # An export such as /v1/events.ics belongs to the collection it exports.
    return segment.split(".", 1)[0] or None


def owner_of(path: str) -> str | None:
    """The service that serves ``path``, or None when the gateway itself answers."""
    segment = first_segment(path)
    return SEGMENT_OWNERS.get(segment) if segment else None


def segments_of(service: str) -> tuple[str, ...]:
    """The public segments ``service`` owns."""
    return tuple(s for s, owner in SEGMENT_OWNERS.items() if owner == service)
