"""What can go wrong with the history of events."""

from __future__ import annotations

from kit.problems import Forbidden


class EventHistoryForbidden(Forbidden):
    slug, title = "event-history-forbidden", "You may not read this event's history"
