"""The rules of the actor directory. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory import (
    ACTOR_CREATED,
    ACTOR_DELETED,
    ACTOR_MERGED,
    ACTOR_UPDATED,
    ActorChanged,
    ActorDeleted,
    ActorMembership,
    ActorMerged,
    ActorPublic,
    AddressRead,
    PublicContact,
)
from directory.actors import history, policies
from directory.actors.deduplication import Duplicate, absorb, find_duplicates
from directory.actors.errors import (
    ActorMovedToSurvivor,
    ActorNotFound,
    MergeWithItself,
)
from directory.actors.fields import ADDRESS_FIELDS, LIST_FIELDS
from directory.actors.fulltext import index_actor, index_actors, unindex_actor
from directory.actors.models import Actor
from directory.actors.repository import actor_repository
from directory.actors.schemas import (
    ActorCreate,
    ActorRead,
    ActorTombstone,
    ActorUpdate,
    ContactRead,
    Membership,
)
from directory.actors.tags import (
    add_external_ids,
    add_tags,
    release_external_ids,
    sync_external_ids,
    sync_tags,
)
from directory.db import outbox
from kit.etags import check_if_match
from kit.identity import Identity
from kit.normalize import fold

_PLAIN_FIELDS = (
    "kind",
    "name",
    "acronym",
    "types",
    "themes",
    "audiences",
    "clubs",
    "description",
    "email",
    "phone",
    "siret",
    "charter_signed_at",
    "ext_ids",
    "status",
)


class ActorService:
    async def create(
        self, session: AsyncSession, *, data: ActorCreate, identity: Identity
    ) -> Actor:
        actor = self._new(data, identity)
        session.add(actor)
        await session.flush()
        await self._after_write(session, actor, before=None, action="created", identity=identity)
        await outbox.emit(
            session, type=ACTOR_CREATED, subject=str(actor.id), data=self._payload(actor)
        )
        return actor

    def _new(self, data: ActorCreate, identity: Identity) -> Actor:
        """A new actor row from ``data``, not added to the session yet."""
        actor = Actor(id=uuid.uuid4(), version=1, created_by=identity.subject)
        self._apply(
            actor,
            data.model_dump(mode="json"),
            fields=set(ActorCreate.model_fields),
            identity=identity,
        )
        return actor

    async def create_many(
        self, session: AsyncSession, *, items: Sequence[ActorCreate], identity: Identity
    ) -> list[Actor]:
        """Create several actors with a handful of statements (imports).

        The same side effects as :meth:`create` — search terms, tags, external ids, history,
        one ``directory.actor.created`` event each — written in bulk.
        """
        actors = [self._new(data, identity) for data in items]
        session.add_all(actors)
        await session.flush()
        await index_actors(session, actors)
        await add_tags(session, actors)
        await add_external_ids(session, actors)
        payloads = [self._payload(actor) for actor in actors]
        await history.record_many(
            session,
            [
                (actor, "created", history.diff({}, self.to_read(actor).model_dump(mode="json")))
                for actor in actors
            ],
            identity=identity,
        )
        await outbox.emit_many(
            session,
            [
                (ACTOR_CREATED, str(actor.id), payload)
                for actor, payload in zip(actors, payloads, strict=True)
            ],
        )
        return actors

    async def get(self, session: AsyncSession, *, actor_id: uuid.UUID) -> Actor:
        actor = await actor_repository.get_including_removed(session, actor_id)
        if actor is not None and actor.merged_into is not None:
            raise ActorMovedToSurvivor(
                f"Actor {actor_id} was merged into {actor.merged_into}.",
                headers={"Location": f"/v1/actors/{actor.merged_into}"},
                merged_into=str(actor.merged_into),
            )
        if actor is None or actor.deleted_at is not None:
            raise ActorNotFound(f"No actor with id {actor_id}.")
        return actor

    async def duplicates_of(self, session: AsyncSession, *, actor: Actor) -> list[Duplicate]:
        return await find_duplicates(session, actor)

    async def merge(
        self,
        session: AsyncSession,
        *,
        survivor: Actor,
        duplicate_id: uuid.UUID,
        identity: Identity,
        if_match: str | None,
    ) -> Actor:
        """Fold ``duplicate_id`` into ``survivor``; the duplicate becomes a pointer."""
        policies.check_staff(identity, "merge actors")
        if duplicate_id == survivor.id:
            raise MergeWithItself("duplicate_id", "is the actor itself")
        check_if_match(if_match, survivor.version)
        duplicate = await actor_repository.get(session, duplicate_id)
        if duplicate is None:
            raise ActorNotFound(f"No live actor with id {duplicate_id} to merge.")
        before = self.to_read(survivor).model_dump(mode="json")
        absorb(survivor, duplicate)
        survivor.touch()
        duplicate.touch()
        duplicate.deleted_at = duplicate.updated_at
        duplicate.merged_into = survivor.id
        await session.flush()
        await unindex_actor(session, duplicate.id)
        await release_external_ids(session, duplicate.id)
        await self._after_write(
            session, survivor, before=before, action="merged", identity=identity
        )
        await history.record(
            session,
            actor=duplicate,
            action="merged_into",
            changes={"merged_into": [None, str(survivor.id)]},
            identity=identity,
        )
        merged = ActorMerged(id=duplicate.id, survivor_id=survivor.id, version=duplicate.version)
        await outbox.emit(
            session,
            type=ACTOR_MERGED,
            subject=str(duplicate.id),
            data=merged.model_dump(mode="json"),
        )
        await outbox.emit(
            session, type=ACTOR_UPDATED, subject=str(survivor.id), data=self._payload(survivor)
        )
        return survivor

    async def list_page(
        self,
        session: AsyncSession,
        *,
        after: tuple[str, uuid.UUID] | None,
        limit: int,
        statuses: Sequence[str] | None = None,
    ) -> Sequence[Actor]:
        return await actor_repository.list_after(
            session, after=after, limit=limit, statuses=statuses
        )

    async def update(
        self,
        session: AsyncSession,
        *,
        actor: Actor,
        changes: ActorUpdate,
        identity: Identity,
        if_match: str | None,
    ) -> Actor:
        policies.check_edit(identity, actor.id)
        check_if_match(if_match, actor.version)
        fields = changes.model_fields_set
        policies.check_fields(identity, fields)
        if not fields:
            return actor
        before = self.to_read(actor).model_dump(mode="json")
        self._apply(actor, changes.model_dump(mode="json"), fields=fields, identity=identity)
        if not history.diff(before, self.to_read(actor).model_dump(mode="json")):
            return actor  # same values again: no new version, no event
        actor.touch()
        await session.flush()
        await self._after_write(session, actor, before=before, action="updated", identity=identity)
        await outbox.emit(
            session, type=ACTOR_UPDATED, subject=str(actor.id), data=self._payload(actor)
        )
        return actor

    async def delete(
        self, session: AsyncSession, *, actor: Actor, identity: Identity, if_match: str | None
    ) -> None:
        policies.check_staff(identity, "delete an actor")
        check_if_match(if_match, actor.version)
        actor.touch()
        actor.deleted_at = actor.updated_at
        await session.flush()
        await unindex_actor(session, actor.id)
        await release_external_ids(session, actor.id)
        await history.record(session, actor=actor, action="deleted", changes={}, identity=identity)
        tombstone = ActorDeleted(id=actor.id, version=actor.version, deleted_at=actor.deleted_at)
        await outbox.emit(
            session,
            type=ACTOR_DELETED,
            subject=str(actor.id),
            data=tombstone.model_dump(mode="json"),
        )

    async def _after_write(
        self,
        session: AsyncSession,
        actor: Actor,
        *,
        before: dict[str, Any] | None,
        action: str,
        identity: Identity,
    ) -> None:
        """Keep search terms, facet tags and history in step with the record."""
        await index_actor(session, actor)
        await sync_tags(session, actor)
        await sync_external_ids(session, actor)
        after = self.to_read(actor).model_dump(mode="json")
        await history.record(
            session,
            actor=actor,
            action=action,
            changes=history.diff(before or {}, after),
            identity=identity,
        )

    def to_public(self, actor: Actor) -> ActorPublic:
        return ActorPublic(
            **self._common(actor),
            contacts=[
                PublicContact(**{k: c.get(k) for k in ("name", "role", "email", "phone")})
                for c in actor.contacts
                if c.get("public")
            ],
        )

    def to_read(self, actor: Actor) -> ActorRead:
        return ActorRead(
            **self._common(actor),
            contacts=[ContactRead(**c) for c in actor.contacts],
            membership=Membership(
                member=actor.member, since=actor.member_since, paid_until=actor.paid_until
            ),
            circle_set_at=actor.circle_set_at,
            circle_set_by=actor.circle_set_by,
            charter_signed_at=actor.charter_signed_at,
        )

    def to_read_for(self, actor: Actor, identity: Identity) -> ActorRead | ActorPublic:
        """The full record for staff and the actor's own members, the public one otherwise."""
        if policies.may_see_private(identity, actor.id):
            return self.to_read(actor)
        return self.to_public(actor)

    def view_or_tombstone(
        self, actor: Actor, identity: Identity
    ) -> ActorRead | ActorPublic | ActorTombstone:
        """What a list shows: the actor, or a tombstone if it was deleted or merged."""
        if actor.deleted_at is not None:
            return ActorTombstone(
                id=actor.id,
                deleted_at=actor.deleted_at,
                merged_into=actor.merged_into,
                updated_at=actor.updated_at,
                version=actor.version,
            )
        return self.to_read_for(actor, identity)

    def _apply(
        self, actor: Actor, values: dict[str, Any], *, fields: set[str], identity: Identity
    ) -> None:
        for field in _PLAIN_FIELDS:
            if field in fields:
                setattr(actor, field, values[field])
        if "name" in fields:
            actor.name_key = fold(actor.name)
        if "website" in fields:
            actor.website = values["website"]
        if "contacts" in fields:
            actor.contacts = values["contacts"] or []
        self._apply_structured(actor, values, fields=fields, identity=identity)

    def _apply_structured(
        self, actor: Actor, values: dict[str, Any], *, fields: set[str], identity: Identity
    ) -> None:
        if "address" in fields:
            address = values["address"] or {}
            for field in ADDRESS_FIELDS:
                setattr(actor, field, address.get(field))
        if "membership" in fields:
            membership = values["membership"] or {}
            actor.member = bool(membership.get("member"))
            actor.member_since = _date(membership.get("since"))
            actor.paid_until = _date(membership.get("paid_until"))
        if "charter_signed_at" in fields:
            actor.charter_signed_at = _date(values["charter_signed_at"])
        if "circle" in fields and values["circle"] != actor.circle:
            actor.circle = values["circle"]
            actor.circle_set_at = datetime.now(UTC)
            actor.circle_set_by = identity.subject
        for list_field in LIST_FIELDS:
            if list_field in fields and values[list_field] is None:
                setattr(actor, list_field, [])
        if "ext_ids" in fields and values["ext_ids"] is None:
            actor.ext_ids = {}

    def _common(self, actor: Actor) -> dict[str, Any]:
        has_address = any(getattr(actor, f) is not None for f in ADDRESS_FIELDS)
        return {
            "id": actor.id,
            "kind": actor.kind,
            "name": actor.name,
            "acronym": actor.acronym,
            "types": actor.types,
            "circle": actor.circle,
            "themes": actor.themes,
            "audiences": actor.audiences,
            "clubs": actor.clubs,
            "description": actor.description,
            "address": (
                AddressRead(**{f: getattr(actor, f) for f in ADDRESS_FIELDS})
                if has_address
                else None
            ),
            "website": actor.website,
            "email": actor.email,
            "phone": actor.phone,
            "siret": actor.siret,
            "ext_ids": actor.ext_ids,
            "status": actor.status,
            "created_at": actor.created_at,
            "updated_at": actor.updated_at,
            "version": actor.version,
        }

    def to_event(self, actor: Actor) -> ActorChanged:
        """The payload of ``directory.actor.created|updated`` (public fields and membership;
        the gateway strips the private ones before any webhook)."""
        return ActorChanged(
            **self.to_public(actor).model_dump(),
            membership=ActorMembership(
                member=actor.member, since=actor.member_since, paid_until=actor.paid_until
            ),
        )

    def _payload(self, actor: Actor) -> dict[str, Any]:
        return self.to_event(actor).model_dump(mode="json")


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


actor_service = ActorService()
