"""Events as schema.org ``Event`` in JSON-LD, for search engines and front-ends that embed it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contracts.events import EventRead, Trainer

MEDIA_TYPE = "application/ld+json"
SCHEMA = "https://schema.org/"

_TYPES = {
    "training": "EducationEvent",
    "festival": "Festival",
    "exhibition": "ExhibitionEvent",
    "visit": "VisualArtsEvent",
}
_STATUS = {
    "scheduled": "EventScheduled",
    "full": "EventScheduled",
    "rescheduled": "EventRescheduled",
    "moved_online": "EventMovedOnline",
    "postponed": "EventPostponed",
    "cancelled": "EventCancelled",
}
_MODES = {
    "offline": "OfflineEventAttendanceMode",
    "online": "OnlineEventAttendanceMode",
    "mixed": "MixedEventAttendanceMode",
}


def wants_jsonld(accept: str | None) -> bool:
    """True when the Accept header asks for JSON-LD."""
    return bool(accept) and MEDIA_TYPE in (accept or "")


def etag(version: int) -> str:
    """The ETag of the JSON-LD representation: never the JSON one's (``Vary: Accept``), so
    a cache or a conditional request cannot take one for the other."""
    return f'"{version}-ld"'


def item_list(events: Sequence[EventRead]) -> dict[str, Any]:
    """A page of the calendar as a schema.org ``ItemList`` of events, in the list's order."""
    return {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "itemListOrder": SCHEMA + "ItemListOrderAscending",
        "numberOfItems": len(events),
        "itemListElement": [
            {"@type": "ListItem", "position": position, "item": _without_context(event)}
            for position, event in enumerate(events, start=1)
        ],
    }


def _without_context(event: EventRead) -> dict[str, Any]:
    document = event_jsonld(event)
    del document["@context"]
    return document


def event_jsonld(event: EventRead) -> dict[str, Any]:
    """The schema.org representation of a published event."""
    timings = event.timings
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": _TYPES.get(event.kind.value, "Event"),
        "identifier": str(event.id),
        "name": event.title,
        "startDate": timings[0].start.isoformat(),
        "endDate": max(t.end for t in timings).isoformat(),
        "eventStatus": SCHEMA + _STATUS[event.status.value],
        "eventAttendanceMode": SCHEMA + _MODES[event.attendance_mode.value],
        "inLanguage": "fr",
        "organizer": [
            {"@type": "Organization", "identifier": str(o.id), "name": o.name}
            for o in event.organizers
            if o.name
        ],
    }
    description = event.description or event.summary
    if description:
        document["description"] = description
    if event.themes:
        document["keywords"] = ",".join(theme.value for theme in event.themes)
    locations = _locations(event)
    if locations:
        document["location"] = locations[0] if len(locations) == 1 else locations
    if event.training is not None:
        _add_training(document, event)
    if len(timings) > 1 and "subEvent" not in document:
        document["subEvent"] = [
            {
                "@type": document["@type"],
                "name": f"{event.title} ({index}/{len(timings)})",
                "startDate": timing.start.isoformat(),
                "endDate": timing.end.isoformat(),
            }
            for index, timing in enumerate(timings, start=1)
        ]
    counts = event.registration_counts
    if counts is not None and counts.capacity is not None:
        document["maximumAttendeeCapacity"] = counts.capacity
        document["remainingAttendeeCapacity"] = counts.available
    if event.registration.mode == "external" and event.registration.url:
        document["offers"] = {"@type": "Offer", "url": str(event.registration.url)}
    return document


def _add_training(document: dict[str, Any], event: EventRead) -> None:
    """A training as an EducationEvent: what it ``teaches``, its trainers as performers, the
    course it gives (schema.org ``Course``, which holds the prerequisites) and its sessions."""
    training = event.training
    assert training is not None
    if training.objectives:
        document["teaches"] = training.objectives
    if training.trainers:
        document["performer"] = [_trainer(trainer) for trainer in training.trainers]
    if training.objectives or training.prerequisites:
        course: dict[str, Any] = {"@type": "Course", "name": event.title}
        if training.objectives:
            course["teaches"] = training.objectives
        if training.prerequisites:
            course["coursePrerequisites"] = training.prerequisites
        document["about"] = course
    if training.sessions:
        document["subEvent"] = [
            {
                "@type": document["@type"],
                "name": session.title,
                "startDate": session.timings[0].start.isoformat(),
                "endDate": max(t.end for t in session.timings).isoformat(),
            }
            for session in training.sessions
        ]


def _trainer(trainer: Trainer) -> dict[str, Any]:
    person: dict[str, Any] = {"@type": "Person", "name": trainer.name}
    if trainer.actor_id is not None:
        person["identifier"] = str(trainer.actor_id)
    return person


def _locations(event: EventRead) -> list[dict[str, Any]]:
    locations: list[dict[str, Any]] = []
    place = event.location
    if place is not None:
        address = {
            "@type": "PostalAddress",
            "streetAddress": place.street,
            "postalCode": place.postcode,
            "addressLocality": place.city,
            "addressCountry": "FR",
        }
        location: dict[str, Any] = {
            "@type": "Place",
            "address": {k: v for k, v in address.items() if v is not None},
        }
        if place.name:
            location["name"] = place.name
        if place.lat is not None and place.lon is not None:
            location["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": place.lat,
                "longitude": place.lon,
            }
        locations.append(location)
    if event.online_url:
        locations.append({"@type": "VirtualLocation", "url": event.online_url})
    return locations
