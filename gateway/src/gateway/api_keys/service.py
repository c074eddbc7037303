"""API key logic: create, read, list, revoke, and what a key grants. Never commits."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.api_keys import repository
from gateway.api_keys.errors import ApiKeyNotFound
from gateway.api_keys.models import ApiKey
from gateway.api_keys.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    KeyRole,
    KeyStatus,
)
from gateway.api_keys.tokens import hash_key, hint_of, new_key, new_key_id
from kit.identity import Identity, Role
from kit.models import as_utc, utcnow
from kit.paging import TIME_TEXT, PageParams
from kit.problems import InvalidInput


def identity_of(key: ApiKey) -> Identity:
    """What calls made with ``key`` are, as services see them."""
    return Identity(
        subject=key.id,
        role=Role(key.role),
        actor_ids=tuple(uuid.UUID(str(a)) for a in key.actor_ids),
        partner=key.partner,
    )


def status_of(key: ApiKey, now: datetime | None = None) -> KeyStatus:
    if key.revoked_at is not None:
        return KeyStatus.REVOKED
    if key.expires_at is not None and key.expires_at <= (now or utcnow()):
        return KeyStatus.EXPIRED
    return KeyStatus.ACTIVE


def to_read(key: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=key.id,
        name=key.name,
        description=key.description,
        role=KeyRole(key.role),
        actor_ids=[uuid.UUID(str(a)) for a in key.actor_ids],
        partner=key.partner,
        hint=key.hint,
        status=status_of(key),
        created_by=key.created_by,
        created_at=key.created_at,
        expires_at=key.expires_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
    )


class ApiKeyService:
    async def create(
        self, session: AsyncSession, *, data: ApiKeyCreate, created_by: str
    ) -> ApiKeyCreated:
        """Store a new key and return it with its secret (the only time it is shown)."""
        now = utcnow()
        if data.expires_at is not None and data.expires_at <= now:
            raise InvalidInput("expires_at", "must be in the future")
        secret = new_key()
        key = ApiKey(
            id=new_key_id(),
            secret_hash=hash_key(secret),
            hint=hint_of(secret),
            name=data.name,
            description=data.description,
            role=data.role.value,
            actor_ids=[str(a) for a in data.actor_ids],
            partner=data.partner,
            created_by=created_by,
            created_at=now,
            expires_at=as_utc(data.expires_at),
        )
        session.add(key)
        await session.flush()
        return ApiKeyCreated(**to_read(key).model_dump(), key=secret)

    async def get(self, session: AsyncSession, *, key_id: str) -> ApiKey:
        key = await repository.get(session, key_id)
        if key is None:
            raise ApiKeyNotFound(f"No API key {key_id}.")
        return key

    async def list(
        self, session: AsyncSession, *, params: PageParams
    ) -> tuple[list[ApiKey], str | None]:
        """A page of keys, newest first."""
        before = TIME_TEXT.decode(params.after)
        rows = await repository.newest_first(session, before=before, limit=params.limit + 1)
        return TIME_TEXT.page(rows, params, lambda k: (k.created_at, k.id))

    async def revoke(self, session: AsyncSession, *, key_id: str) -> ApiKey:
        """Revoke the key (idempotent: the first revocation time is kept)."""
        key = await self.get(session, key_id=key_id)
        if key.revoked_at is None:
            key.revoked_at = utcnow()
            await session.flush()
        return key


api_key_service = ApiKeyService()
