"""Keeps the actor projection current from the directory's events (the mechanic, as in the
events and surveys services: ``kit.projections``); here what EU watch keeps of an actor, its
description's stems for matching calls among them, also written as rows of
``known_actor_terms`` (its themes and stems), through which matching finds them. Membership
comes with the events for the network's own services (``ActorChanged``); partners never
receive it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory import ACTOR_RECORD, ActorChanged
from eu_watch.actors.models import KnownActor, spaced
from eu_watch.actors.repository import actor_terms, known_actor_repository
from eu_watch.calls.search import word_stems, words
from eu_watch.cordis.policies import PIC_KEYS, plain_name, plain_place
from kit.consumers import Subscription
from kit.projections import Projection


def description_terms(text: str | None) -> str:
    """The stems of a description, English and French, each once, between spaces."""
    return spaced(stem for w in words(text) for stem in word_stems(w))


def _columns(actor: ActorChanged) -> dict[str, object]:
    address = actor.address
    return {
        "name": actor.name,
        "name_key": actor.name.lower(),
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
        "pic": next((actor.ext_ids[k] for k in PIC_KEYS if actor.ext_ids.get(k)), None),
        "plain_name": plain_name(actor.name),
        "plain_city": plain_place(address.city) if address and address.city else None,
        "status": actor.status.value,
        "version": actor.version,
    }


async def _write_terms(session: AsyncSession, actor: KnownActor) -> None:
    await known_actor_repository.replace_terms(
        session,
        actor.id,
        actor_terms(themes=actor.themes, description_terms=actor.description_terms),
    )


async def _rewrite_terms(
    session: AsyncSession, actor: KnownActor, before: Mapping[str, Any]
) -> None:
    await _write_terms(session, actor)


actor_projection: Projection[KnownActor, ActorChanged] = Projection(
    model=KnownActor,
    source=ACTOR_RECORD,
    columns=_columns,
    after_insert=_write_terms,
    after_update=_rewrite_terms,
)


def actor_subscription(prefix: str) -> Subscription:
    return actor_projection.subscription(prefix)
