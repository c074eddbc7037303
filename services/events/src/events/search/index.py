"""Keeping the search data of events (terms, coordinates, ages, tags, tombstones) in step.

A listener on every ORM flush rewrites the search rows of the events that flush created or
changed, with Core statements on the flush's own connection: whatever code path writes an
event (the API, partner imports, moderation), its search data change in the same transaction.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, UOWTransaction

from contracts.vocabularies import EventState
from events.agenda.models import Event
from events.search.models import EventFacetCount, EventSearch, EventTag, EventTombstone
from kit.fulltext import terms
from kit.models import utcnow

ACCESSIBILITY_FLAGS = ("hearing", "visual", "mental", "motor", "intellectual")
ACCESSIBILITY_BITS = {flag: 1 << index for index, flag in enumerate(ACCESSIBILITY_FLAGS)}
#: Facet name → the event's JSON list it is read from (accessibility is a dict of flags).
TAG_FIELDS = {"theme": "themes", "audience": "audiences", "accessibility": "accessibility"}
#: Facet name → the event's column holding its one value.
COLUMN_TAGS = {
    "kind": "kind",
    "status": "status",
    "department": "department",
    "region": "region",
    "attendance_mode": "attendance_mode",
    "state": "state",
}
#: The event fields the search data derive from: a change to another field leaves them be.
INDEXED_FIELDS = (
    "title",
    "summary",
    "description",
    "location",
    "themes",
    "audiences",
    "age",
    "accessibility",
    *COLUMN_TAGS.values(),
    "deleted_at",
    "timings",
)
DELETED = "deleted"
PUBLISHED = EventState.PUBLISHED.value


#: Token prefixes of the facet values a full-text search narrows on (``x`` + a letter: the
#: query side only ever looks for them in the ``tag_terms`` column or weight).
TOKEN_PREFIXES = {
    "department": "xd",
    "region": "xr",
    "kind": "xk",
    "status": "xs",
    "theme": "xt",
    "audience": "xa",
}
#: Events spanning more months than this get the ``xmall`` token instead of one per month.
MAX_MONTH_TOKENS = 120
ALL_MONTHS = "xmall"


def _months(start: datetime, end: datetime) -> list[int]:
    """Months (year * 12 + month - 1, in UTC) from ``start``'s to ``end``'s, both included."""
    first = start.astimezone(UTC)
    last = end.astimezone(UTC)
    return list(range(first.year * 12 + first.month - 1, last.year * 12 + last.month))


def month_token(month: int) -> str:
    return f"xm{month // 12:04d}{month % 12 + 1:02d}"


def window_tokens(ends_after: datetime, starts_before: datetime) -> list[str] | None:
    """The month tokens an event overlapping the window holds one of (None: too wide)."""
    months = _months(ends_after, starts_before)
    if len(months) > 24:
        return None
    return [*map(month_token, months), ALL_MONTHS]


def token(facet: str, value: str) -> str:
    return TOKEN_PREFIXES[facet] + value.lower().replace("_", "")


def filter_tokens(event: Mapping[str, Any]) -> str:
    """The tokens of the values a search can narrow on, as one space-separated string."""
    tokens = [
        token(facet, event[facet])
        for facet in ("department", "region", "kind", "status")
        if event.get(facet)
    ]
    tokens += [token("theme", v) for v in event.get("themes") or ()]
    tokens += [token("audience", v) for v in event.get("audiences") or ()]
    months: set[int] = set()
    for timing in event.get("timings") or ():
        start, end = datetime.fromisoformat(timing["start"]), datetime.fromisoformat(timing["end"])
        months.update(_months(start, end))
    if len(months) > MAX_MONTH_TOKENS:
        tokens.append(ALL_MONTHS)
    else:
        tokens += [month_token(m) for m in sorted(months)]
    return " ".join(dict.fromkeys(tokens))


def search_values(event_id: uuid.UUID, event: Mapping[str, Any]) -> dict[str, Any]:
    """The ``event_search`` row of an event given as a mapping of its columns."""
    location = event.get("location") or {}
    age = event.get("age") or {}
    flags = event.get("accessibility") or {}
    other = [event.get("summary"), event.get("description")]
    other += [location.get("name"), location.get("city")]
    return {
        "event_id": event_id,
        "title_terms": " ".join(terms(event.get("title"))),
        "other_terms": " ".join(t for text in other for t in terms(text)),
        "tag_terms": filter_tokens(event),
        "lat": location.get("lat"),
        "lon": location.get("lon"),
        "age_min": age.get("min"),
        "age_max": age.get("max"),
        "accessibility": sum(bit for flag, bit in ACCESSIBILITY_BITS.items() if flags.get(flag)),
    }


def tag_values(event_id: uuid.UUID, event: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``event_tags`` rows of an event given as a mapping of its columns."""
    state = DELETED if event.get("deleted_at") is not None else event["state"]
    rows = []
    for facet, field in TAG_FIELDS.items():
        raw = event.get(field) or ()
        values = [flag for flag, on in raw.items() if on] if isinstance(raw, dict) else raw
        rows += [
            {"event_id": event_id, "facet": facet, "value": v, "state": state}
            for v in dict.fromkeys(values)
        ]
    for facet, field in COLUMN_TAGS.items():
        value = event.get(field)
        if value is not None:
            rows.append({"event_id": event_id, "facet": facet, "value": value, "state": state})
    return rows


def _columns(event: Event) -> dict[str, Any]:
    return {name: getattr(event, name) for name in INDEXED_FIELDS}


def write_index(
    connection: sa.Connection,
    events: Iterable[tuple[uuid.UUID, Mapping[str, Any]]],
    *,
    replace: bool,
) -> None:
    """Write the search rows of ``events`` ((id, columns) pairs), replacing old ones if asked."""
    items = list(events)
    if not items:
        return
    ids = [event_id for event_id, _ in items]
    deltas: Counter[tuple[str, str, str]] = Counter()
    if replace:
        connection.execute(sa.delete(EventSearch).where(EventSearch.event_id.in_(ids)))
        removed = connection.execute(
            sa.delete(EventTag)
            .where(EventTag.event_id.in_(ids))
            .returning(EventTag.facet, EventTag.value, EventTag.state)
        )
        deltas.subtract((facet, value, state) for facet, value, state in removed)
    connection.execute(sa.insert(EventSearch), [search_values(i, e) for i, e in items])
    tags = [row for event_id, event in items for row in tag_values(event_id, event)]
    if tags:
        connection.execute(sa.insert(EventTag), tags)
    deltas.update((t["facet"], t["value"], t["state"]) for t in tags)
    add_to_counts(connection, deltas)


def add_to_counts(connection: sa.Connection, deltas: Mapping[tuple[str, str, str], int]) -> None:
    """Add ``deltas`` ((facet, value, state) → change) to the stored facet counts.

    Rows are written in key order, so concurrent writers lock them in the same order.
    """
    rows = [
        {"facet": facet, "value": value, "state": state, "count": change}
        for (facet, value, state), change in sorted(deltas.items())
        if change
    ]
    if not rows:
        return
    insert = (
        postgresql.insert(EventFacetCount)
        if connection.dialect.name == "postgresql"
        else sqlite.insert(EventFacetCount)
    )
    connection.execute(
        insert.on_conflict_do_update(
            index_elements=["facet", "value", "state"],
            set_={"count": EventFacetCount.count + insert.excluded.count},
        ),
        rows,
    )


def _changed(event: Event, fields: Sequence[str]) -> bool:
    state = sa.inspect(event)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _before(event: Event, name: str) -> Any:
    """The value an attribute had before this flush (its current value if unchanged)."""
    history = sa.inspect(event).attrs[name].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return getattr(event, name) if not history.added else None


def _tombstones(connection: sa.Connection, events: Sequence[Event]) -> None:
    """Record the events that left the public calendar; forget those back on it.

    A deleted event always leaves a tombstone (staff sync sees it too); an event that stops
    being published leaves one saying why (refused, or unpublished: back to draft or pending).
    """
    for event in events:
        if not _changed(event, ("state", "deleted_at")):
            continue
        was_public = _before(event, "state") == PUBLISHED and _before(event, "deleted_at") is None
        is_public = event.state == PUBLISHED and event.deleted_at is None
        if is_public:
            connection.execute(sa.delete(EventTombstone).where(EventTombstone.event_id == event.id))
            continue
        if event.deleted_at is not None:
            reason = "deleted"
        elif was_public:
            reason = "refused" if event.state == EventState.REFUSED.value else "unpublished"
        else:
            continue
        connection.execute(sa.delete(EventTombstone).where(EventTombstone.event_id == event.id))
        connection.execute(
            sa.insert(EventTombstone).values(
                event_id=event.id,
                removed_at=event.deleted_at or event.updated_at or utcnow(),
                reason=reason,
                version=event.version,
            )
        )


@sa.event.listens_for(Session, "after_flush")
def _index_flushed_events(session: Session, _context: UOWTransaction) -> None:
    created = [obj for obj in session.new if isinstance(obj, Event)]
    changed = [obj for obj in session.dirty if isinstance(obj, Event)]
    if not created and not changed:
        return
    connection = session.connection()
    write_index(connection, ((e.id, _columns(e)) for e in created), replace=False)
    write_index(
        connection,
        ((e.id, _columns(e)) for e in changed if _changed(e, INDEXED_FIELDS)),
        replace=True,
    )
    _tombstones(connection, changed)
