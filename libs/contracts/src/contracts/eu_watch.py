"""Events published by the EU watch service.

The types are registered in :data:`EVENT_TYPES`, which :mod:`contracts.registry` collects.
``euwatch.call.published`` keeps the spelling its stream (``EUWATCH``, subjects ``euwatch.>``)
was created with, and names its payload by the API's ``CallRead`` schema; both move to
``eu_watch.*`` with a model here when the EU watch work lands.
"""

from __future__ import annotations

from contracts.event_type import EventType

STREAM = "EUWATCH"
CALL_PUBLISHED = "euwatch.call.published"

EVENT_TYPES: tuple[EventType, ...] = (
    EventType(
        CALL_PUBLISHED, "An EU call for projects is watched.", "CallRead", "eu_watch", STREAM
    ),
)
