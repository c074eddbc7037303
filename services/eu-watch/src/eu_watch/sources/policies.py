"""What a caller may read of a source's state: the route is public (anyone may see when the
calls were last brought in and whether that worked), but who asked for a run and the raw
errors of the portal's answers are for the network's staff."""

from __future__ import annotations

from eu_watch.sources.schemas import SourceRead
from kit.identity import Identity

#: A run staff asked for is recorded as ``staff:<subject>``; others see only ``staff``.
STAFF_TRIGGER = "staff"


def staff_trigger(subject: str) -> str:
    return f"{STAFF_TRIGGER}:{subject}"


def as_seen_by(source: SourceRead, identity: Identity) -> SourceRead:
    """``source`` for ``identity``: staff see everything; anyone else sees the counts (how
    many records were unreadable, how many pages failed) without the errors' text, which
    quotes the portal's answers and our own exceptions, nor whose key asked for the run."""
    if identity.is_staff:
        return source
    trigger = source.last_trigger
    if trigger and trigger.startswith(f"{STAFF_TRIGGER}:"):
        trigger = STAFF_TRIGGER
    return source.model_copy(update={"last_trigger": trigger, "errors": []})
