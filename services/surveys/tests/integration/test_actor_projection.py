"""The surveys service's projection of directory actors, fed by real NATS events."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from fastapi import FastAPI

from kit.testing.polling import wait_until
from surveys.actors.models import KnownActor
from surveys.actors.repository import ActorFilter, known_actor_repository

from .conftest import Announce

MUSEUM = {
    "name": "Muséum de Toulouse",
    "types": ["natural_history_museum", "museum"],
    "circle": 1,
    "clubs": ["museums"],
    "themes": ["biology"],
    "address": {"commune_insee": "31555", "department": "31", "region": "76"},
    "email": "museum@toulouse.fr",
    "membership": {"member": True, "since": "2019-01-01", "paid_until": None},
}


async def read(app: FastAPI, actor_id: uuid.UUID) -> KnownActor | None:
    async with app.state.runtime.database.transaction() as session:
        return await known_actor_repository.get(session, actor_id)


async def test_actors_are_projected_with_membership_and_versions(
    app: FastAPI, announce: Announce
) -> None:
    actor_id = uuid.uuid4()
    created = await announce("directory.actor.created", actor_id, **MUSEUM)

    known = await wait_until(lambda: read(app, actor_id), what="the actor is projected")
    assert (known.name, known.circle, known.department, known.region) == (
        "Muséum de Toulouse",
        1,
        "31",
        "76",
    )
    assert known.types == ["natural_history_museum", "museum"]
    assert (known.member, known.email) == (True, "museum@toulouse.fr")

    # A newer version applies; a stale one and a replay of the first event change nothing.
    await announce(
        "directory.actor.updated",
        actor_id,
        **(MUSEUM | {"version": 3, "name": "MHNT", "membership": {"member": False}}),
    )
    await announce("directory.actor.updated", actor_id, **(MUSEUM | {"version": 2}))
    await announce("directory.actor.created", actor_id, event_id=created.id, **MUSEUM)

    async def renamed() -> KnownActor | None:
        known = await read(app, actor_id)
        return known if known and known.version == 3 else None

    known = await wait_until(renamed, what="version 3 is projected")
    marker = uuid.uuid4()
    await announce("directory.actor.created", marker, name="Marqueur")
    await wait_until(lambda: read(app, marker), what="later events are handled")
    known = await read(app, actor_id)
    assert known is not None
    assert (known.name, known.member, known.version) == ("MHNT", False, 3)


async def test_audiences_match_live_actors_by_directory_filters(
    app: FastAPI, announce: Announce
) -> None:
    tag = uuid.uuid4().hex[:6]
    museum, association, gone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await announce("directory.actor.created", museum, **(MUSEUM | {"name": f"{tag} musée"}))
    await announce(
        "directory.actor.created",
        association,
        name=f"{tag} association",
        types=["association"],
        circle=2,
        clubs=["associations"],
        address={"department": "34", "region": "76"},
    )
    await announce("directory.actor.created", gone, **(MUSEUM | {"name": f"{tag} ancien"}))
    await announce("directory.actor.deleted", gone, version=2)

    async def deleted() -> bool:
        known = await read(app, gone)
        return known is not None and known.deleted_at is not None

    await wait_until(deleted, what="the deletion is projected")
    await wait_until(lambda: read(app, association), what="the association is projected")

    async def names(audience: ActorFilter) -> list[str]:
        async with app.state.runtime.database.transaction() as session:
            actors = await known_actor_repository.matching(session, audience)
        return [a.name for a in actors if a.name.startswith(tag)]

    assert await names(ActorFilter()) == [f"{tag} association", f"{tag} musée"]
    assert await names(ActorFilter(types=["museum", "planetarium"])) == [f"{tag} musée"]
    assert await names(ActorFilter(member=True)) == [f"{tag} musée"]
    assert await names(ActorFilter(circles=[2], regions=["76"])) == [f"{tag} association"]
    assert await names(ActorFilter(departments=["31"], clubs=["associations"])) == []


async def test_a_wiped_projection_is_rebuilt_by_a_republish(
    app: FastAPI, announce: Announce
) -> None:
    actor_id = uuid.uuid4()
    await announce("directory.actor.created", actor_id, **MUSEUM)
    await wait_until(lambda: read(app, actor_id), what="the actor is projected")
    async with app.state.runtime.database.transaction() as session:
        await session.execute(sa.delete(KnownActor).where(KnownActor.id == actor_id))
    assert await read(app, actor_id) is None
    # What `maillage-directory republish` sends: the current state as an update, new event id.
    await announce("directory.actor.updated", actor_id, **MUSEUM)
    rebuilt = await wait_until(lambda: read(app, actor_id), what="the actor is rebuilt")
    assert rebuilt.member is True
