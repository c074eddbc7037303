"""What can go wrong with events."""

from __future__ import annotations

from kit.problems import Forbidden, NotFound


class EventNotFound(NotFound):
    slug, title = "event-not-found", "Event not found"


class EventCreationForbidden(Forbidden):
    slug, title = "event-creation-forbidden", "You may not create this event"
