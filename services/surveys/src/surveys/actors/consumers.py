"""Keeps the actor projection current from the directory's events.

Events carry the actor's version, so a stale or replayed event never overwrites newer data;
with the kit inbox (one row per handled event, in the same transaction) this makes the
projection correct whatever the delivery order. ``maillage-directory republish`` sends every
actor again: a wiped projection is rebuilt, a current one changes nothing.

A merged actor's invitations to surveys still open move to the survivor, unless the survivor
was invited too (then the merged actor's invitation stays, answering for the survivor's
record in results through ``merged_into``). A deleted actor stays known, so invitations and
responses that name it stay readable, but no audience matches it again.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory import (
    ACTOR_CREATED,
    ACTOR_DELETED,
    ACTOR_MERGED,
    ACTOR_UPDATED,
    ActorChanged,
    ActorDeleted,
    ActorMerged,
)
from kit.cloudevents import CloudEvent
from kit.consumers import Subscription
from surveys.actors.models import KnownActor
from surveys.actors.repository import known_actor_repository
from surveys.invitations.repository import invitation_repository


async def apply_actor_event(session: AsyncSession, event: CloudEvent) -> None:
    """Project one ``directory.actor.*`` event."""
    if event.type in (ACTOR_CREATED, ACTOR_UPDATED):
        await _upsert(session, ActorChanged.model_validate(event.data))
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
        survivor = await known_actor_repository.final_survivor(session, merged.survivor_id)
        if survivor != merged.id:
            await invitation_repository.move_to_survivor(session, old=merged.id, new=survivor)


def _fields(actor: ActorChanged) -> dict[str, object]:
    address = actor.address
    return {
        "kind": actor.kind.value,
        "name": actor.name,
        "types": [t.value for t in actor.types],
        "circle": int(actor.circle) if actor.circle is not None else None,
        "clubs": [c.value for c in actor.clubs],
        "themes": [t.value for t in actor.themes],
        "department": address.department if address else None,
        "region": address.region if address else None,
        "member": actor.membership.member,
        "email": actor.email,
        "status": actor.status.value,
        "version": actor.version,
    }


async def _upsert(session: AsyncSession, actor: ActorChanged) -> None:
    known = await known_actor_repository.get(session, actor.id)
    if known is None:
        session.add(KnownActor(id=actor.id, **_fields(actor)))
        return
    if known.version >= actor.version:
        return  # stale or replayed: we already know better
    for key, value in _fields(actor).items():
        setattr(known, key, value)
    known.deleted_at = None


def actor_subscription(prefix: str) -> Subscription:
    return Subscription(
        durable=f"{prefix}-directory-actors",
        stream="DIRECTORY",
        subjects=("directory.actor.>",),
        handler=apply_actor_event,
    )
