"""The rules of the resource catalogue. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory import (
    RESOURCE_CREATED,
    RESOURCE_DELETED,
    RESOURCE_UPDATED,
    ResourceDeleted,
    ResourcePublic,
)
from directory.actors.fulltext import query_terms, terms
from directory.actors.repository import actor_repository
from directory.db import outbox
from directory.resources.errors import ResourceEditForbidden, ResourceNotFound
from directory.resources.models import Resource
from directory.resources.repository import resource_repository
from directory.resources.schemas import ResourceCreate, ResourceUpdate
from kit.etags import check_if_match
from kit.identity import Identity
from kit.normalize import fold
from kit.problems import InvalidInput


class ResourceService:
    async def create(
        self, session: AsyncSession, *, data: ResourceCreate, identity: Identity
    ) -> Resource:
        self._check_may_edit(data.owner_id, identity)
        if await actor_repository.get(session, data.owner_id) is None:
            raise InvalidInput("owner_id", f"no live actor with id {data.owner_id}")
        resource = Resource(id=uuid.uuid4(), version=1, created_by=identity.subject)
        self._apply(resource, data.model_dump(mode="json"), set(ResourceCreate.model_fields))
        resource.owner_id = data.owner_id
        session.add(resource)
        await session.flush()
        await self._emit(session, RESOURCE_CREATED, resource)
        return resource

    async def get(self, session: AsyncSession, *, resource_id: uuid.UUID) -> Resource:
        resource = await resource_repository.get(session, resource_id)
        if resource is None or resource.deleted_at is not None:
            raise ResourceNotFound(f"No resource with id {resource_id}.")
        return resource

    async def update(
        self,
        session: AsyncSession,
        *,
        resource: Resource,
        changes: ResourceUpdate,
        identity: Identity,
        if_match: str | None,
    ) -> Resource:
        self._check_may_edit(resource.owner_id, identity)
        check_if_match(if_match, resource.version)
        if not changes.model_fields_set:
            return resource
        self._apply(resource, changes.model_dump(mode="json"), changes.model_fields_set)
        resource.touch()
        await session.flush()
        await self._emit(session, RESOURCE_UPDATED, resource)
        return resource

    async def delete(
        self, session: AsyncSession, *, resource: Resource, identity: Identity, if_match: str | None
    ) -> None:
        self._check_may_edit(resource.owner_id, identity)
        check_if_match(if_match, resource.version)
        resource.touch()
        resource.deleted_at = resource.updated_at
        await session.flush()
        await outbox.emit(
            session,
            type=RESOURCE_DELETED,
            subject=str(resource.id),
            data=ResourceDeleted(id=resource.id, version=resource.version).model_dump(mode="json"),
        )

    async def search(
        self,
        session: AsyncSession,
        *,
        q: str | None,
        kinds: Sequence[str],
        themes: Sequence[str],
        audiences: Sequence[str],
        owner_id: uuid.UUID | None,
        available: bool | None,
        department: Sequence[str],
        after: tuple[str, uuid.UUID] | None,
        limit: int,
    ) -> Sequence[tuple[Resource, str]]:
        """Live resources with their owner's name, by title, after the cursor key."""
        return await resource_repository.search(
            session,
            stems=query_terms(q) if q else [],
            kinds=kinds,
            themes=themes,
            audiences=audiences,
            owner_id=owner_id,
            available=available,
            department=department,
            after=after,
            limit=limit,
        )

    def to_public(self, resource: Resource, owner_name: str | None = None) -> ResourcePublic:
        return ResourcePublic(
            id=resource.id,
            owner_id=resource.owner_id,
            owner_name=owner_name,
            kind=resource.kind,
            title=resource.title,
            description=resource.description,
            themes=resource.themes,
            audiences=resource.audiences,
            loan={
                "available": resource.loan_available,
                "conditions": resource.loan_conditions,
                "price_eur": resource.loan_price_eur,
            },
            created_at=resource.created_at,
            updated_at=resource.updated_at,
            version=resource.version,
        )

    def _check_may_edit(self, owner_id: uuid.UUID, identity: Identity) -> None:
        if not identity.acts_for(owner_id):
            raise ResourceEditForbidden("Only staff and the owner's members manage its resources.")

    def _apply(self, resource: Resource, values: dict[str, Any], fields: set[str]) -> None:
        for field in ("kind", "title", "description", "themes", "audiences"):
            if field in fields:
                setattr(resource, field, values[field])
        if "loan" in fields:
            loan = values["loan"]
            resource.loan_available = bool(loan["available"])
            resource.loan_conditions = loan.get("conditions")
            resource.loan_price_eur = loan.get("price_eur")
        resource.title_key = fold(resource.title)
        resource.search_text = " " + " ".join(terms(resource.title) + terms(resource.description))

    async def _emit(self, session: AsyncSession, event_type: str, resource: Resource) -> None:
        await outbox.emit(
            session,
            type=event_type,
            subject=str(resource.id),
            data=self.to_public(resource).model_dump(mode="json"),
        )


resource_service = ResourceService()
