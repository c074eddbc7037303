"""Keeps the actor projection current from the directory's events (as the events service
keeps its organizers): events carry the actor's version, so a stale or replayed event never
overwrites newer data; with the kit inbox, each event is applied once. ``maillage-directory
republish`` rebuilds a wiped projection. Membership comes with the events for the network's
own services (``ActorChanged``); partners never receive it.
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
from eu_watch.actors.models import KnownActor, spaced
from eu_watch.actors.repository import known_actor_repository
from eu_watch.calls.search import word_stems, words
from kit.cloudevents import CloudEvent
from kit.consumers import Subscription


def description_terms(text: str | None) -> str:
    """The stems of a description, English and French, each once, between spaces."""
    return spaced(stem for w in words(text) for stem in word_stems(w))


def _fields(actor: ActorChanged) -> dict[str, object]:
    address = actor.address
    return {
        "name": actor.name,
        "types": spaced(t.value for t in actor.types),
        "circle": int(actor.circle) if actor.circle is not None else None,
        "themes": spaced(t.value for t in actor.themes),
        "description_terms": description_terms(
            " ".join(p for p in (actor.name, actor.acronym, actor.description) if p)
        ),
        "department": address.department if address else None,
        "region": address.region if address else None,
        "member": actor.membership.member,
        "email": actor.email,
        "status": actor.status.value,
        "version": actor.version,
    }


async def apply_actor_event(session: AsyncSession, event: CloudEvent) -> None:
    """Project one ``directory.actor.*`` event."""
    if event.type in (ACTOR_CREATED, ACTOR_UPDATED):
        actor = ActorChanged.model_validate(event.data)
        known = await known_actor_repository.get(session, actor.id)
        if known is None:
            session.add(KnownActor(id=actor.id, **_fields(actor)))
        elif known.version < actor.version:  # else stale or replayed: we know better
            for key, value in _fields(actor).items():
                setattr(known, key, value)
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


def actor_subscription(prefix: str) -> Subscription:
    return Subscription(
        durable=f"{prefix}-directory-actors",
        stream="DIRECTORY",
        subjects=("directory.actor.>",),
        handler=apply_actor_event,
    )
