"""What can go wrong with events."""

from __future__ import annotations

from kit.problems import Forbidden, NotFound


class EventNotFound(NotFound):
    slug, title = "event-not-found", "Event not found"


class EventCreationForbidden(Forbidden):
    slug, title = "event-creation-forbidden", "You may not create this event"


class EventUpdateForbidden(Forbidden):
    slug, title = "event-update-forbidden", "You may not change this event"
