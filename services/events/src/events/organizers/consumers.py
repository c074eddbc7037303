"""Keeps the actor projection current from the directory's events.

Events carry the actor's version, so a stale or replayed event never overwrites newer data;
together with the inbox this makes the projection correct whatever the delivery order.
A merged actor's events are re-pointed to the survivor; a deleted actor stays known by name
so the events it organized stay readable.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory import (
    ACTOR_CREATED,
    ACTOR_DELETED,
    ACTOR_MERGED,
    ACTOR_UPDATED,
    ActorDeleted,
    ActorMerged,
    ActorPublic,
)
from contracts.events import EVENT_UPDATED
from contracts.vocabularies import EventState
from events.agenda.models import Event
from events.agenda.service import event_service
from events.db import outbox
from events.organizers.models import KnownActor
from events.organizers.repository import known_actor_repository, organizer_repository
from kit.cloudevents import CloudEvent
from kit.consumers import Subscription


async def apply_actor_event(session: AsyncSession, event: CloudEvent) -> None:
    """Project one ``directory.actor.*`` event."""
    if event.type in (ACTOR_CREATED, ACTOR_UPDATED):
        await _upsert(session, ActorPublic.model_validate(event.data))
    elif event.type == ACTOR_DELETED:
        tombstone = ActorDeleted.model_validate(event.data)
        known = await known_actor_repository.get(session, tombstone.id)
        if known is not None and known.version < tombstone.version:
            known.version = tombstone.version
            known.deleted_at = tombstone.deleted_at
    elif event.type == ACTOR_MERGED:
        merged = ActorMerged.model_validate(event.data)
        known = await known_actor_repository.get(session, merged.id)
        if known is not None:
            known.merged_into = merged.survivor_id
        await _repoint_events(session, merged)


async def _repoint_events(session: AsyncSession, merged: ActorMerged) -> None:
    """The merged actor's events are now the survivor's: their organizers change, so each
    gets a new version and, when published, an ``events.event.updated``. A replay finds
    nothing left to re-point and changes nothing."""
    survivor = await known_actor_repository.final_survivor(session, merged.survivor_id)
    if survivor == merged.id:
        return  # a merge into itself (or a cycle) moves nothing
    events = await organizer_repository.lock_events_of(session, merged.id)
    if not events:
        return
    await organizer_repository.replace_actor(session, old=merged.id, new=survivor)
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
    reads = await event_service.read_many(session, events)
    await outbox.emit_many(
        session,
        [
            (EVENT_UPDATED, str(read.id), read.model_dump(mode="json"))
            for read in reads
            if read.state is EventState.PUBLISHED
        ],
    )


async def _upsert(session: AsyncSession, actor: ActorPublic) -> None:
    known = await known_actor_repository.get(session, actor.id)
    address = actor.address
    if known is None:
        session.add(
            KnownActor(
                id=actor.id,
                name=actor.name,
                department=address.department if address else None,
                region=address.region if address else None,
                status=actor.status.value,
                version=actor.version,
            )
        )
        return
    if known.version >= actor.version:
        return  # stale or replayed: we already know better
    department = address.department if address else None
    shown_differently = (known.name, known.department) != (actor.name, department)
    known.name = actor.name
    known.department = department
    known.region = address.region if address else None
    known.status = actor.status.value
    known.version = actor.version
    if shown_differently:  # what an event shows of its organizers: name and département
        await _announce_events_of(session, actor.id)


def actor_subscription(prefix: str) -> Subscription:
    return Subscription(
        durable=f"{prefix}-directory-actors",
        stream="DIRECTORY",
        subjects=("directory.actor.>",),
        handler=apply_actor_event,
    )
