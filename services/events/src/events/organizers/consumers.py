"""Keeps the actor projection current from the directory's events (``kit.projections``:
versions, tombstones, merges, replays); here only what the calendar keeps of an actor and
what it does beyond the copy.

A merged actor's events are re-pointed to the survivor; a renamed one's (or one moved to
another département) are re-announced; a deleted actor stays known by name so the events it
organized stay readable.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory import ACTOR_RECORD, ActorPublic
from contracts.events import EVENT_UPDATED
from contracts.vocabularies import EventState
from events.agenda.models import Event
from events.agenda.service import event_service
from events.db import outbox
from events.organizers.models import KnownActor
from events.organizers.repository import organizer_repository
from kit.consumers import Subscription
from kit.projections import Projection


def _columns(actor: ActorPublic) -> dict[str, Any]:
    address = actor.address
    return {
        "name": actor.name,
        "department": address.department if address else None,
        "region": address.region if address else None,
        "status": actor.status.value,
        "version": actor.version,
    }


async def _after_update(
    session: AsyncSession, known: KnownActor, before: Mapping[str, Any]
) -> None:
    """What an event shows of its organizers is their name and département: when either
    changed, each event showing the actor is re-announced."""
    if (before["name"], before["department"]) != (known.name, known.department):
        await _announce_events_of(session, known.id)


async def _repoint_events(session: AsyncSession, merged: uuid.UUID, survivor: uuid.UUID) -> None:
    """The merged actor's events are now the survivor's: their organizers change, so each
    gets a new version and, when published, an ``events.event.updated``. A replay finds
    nothing left to re-point and changes nothing."""
    events = await organizer_repository.lock_events_of(session, merged)
    if not events:
        return
    await organizer_repository.replace_actor(session, old=merged, new=survivor)
    await _announce(session, events)


async def _announce_events_of(session: AsyncSession, actor_id: uuid.UUID) -> None:
    """An organizer's name (or territory) changed: each event showing it gets a new version
    and ``updated_at``, so it comes back in ``updated_since``, and, when published, an
    ``events.event.updated`` with the new ``organizers[]``: a partner's mirror never keeps
    the old name."""
    events = await organizer_repository.lock_events_of(session, actor_id)
    if events:
        await _announce(session, events)


async def _announce(session: AsyncSession, events: Sequence[Event]) -> None:
    for event in events:
        event.touch()
    await session.flush()
    reads = await event_service.to_reads(session, events)
    await outbox.emit_many(
        session,
        [
            (EVENT_UPDATED, str(read.id), read.model_dump(mode="json"))
            for read in reads
            if read.state is EventState.PUBLISHED
        ],
    )


actor_projection: Projection[KnownActor, ActorPublic] = Projection(
    model=KnownActor,
    source=ACTOR_RECORD,
    columns=_columns,
    after_update=_after_update,
    after_merge=_repoint_events,
)


def actor_subscription(prefix: str) -> Subscription:
    return actor_projection.subscription(prefix)
