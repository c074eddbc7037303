"""``DatabaseKeyStore``: the API keys of the database, as a :class:`~gateway.callers.KeyStore`.

The proxy resolves a key on every call, so verified keys (and well-formed unknown ones) are
kept in memory for ``cache_seconds``: a key costs one database read per process per TTL.
A revocation made through this process takes effect at once; one made through another
gateway process takes effect here within ``cache_seconds``. Expiry is checked on every call.
``last_used_at`` is written at most once per ``last_used_seconds`` per key, in a background
task, so the call never waits for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from gateway.api_keys import repository
from gateway.api_keys.service import identity_of
from gateway.api_keys.tokens import hash_key, looks_like_a_key
from gateway.callers import CallerRejected
from kit.db import Database
from kit.identity import Identity
from kit.models import utcnow

logger = logging.getLogger(__name__)

_MAX_CACHED = 10_000


@dataclass(frozen=True, slots=True)
class _Known:
    key_id: str
    identity: Identity
    expires_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class _Cached:
    known: _Known | None
    until: float


class DatabaseKeyStore:
    """API keys stored hashed in the gateway's database, cached briefly in memory."""

    def __init__(
        self, database: Database, *, cache_seconds: float = 30.0, last_used_seconds: float = 60.0
    ) -> None:
        self.database = database
        self.cache_seconds = cache_seconds
        self.last_used_seconds = last_used_seconds
        self._cache: dict[str, _Cached] = {}
        self._loading: dict[str, asyncio.Future[_Known | None]] = {}
        self._last_recorded: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def identify(self, key: str) -> Identity | None:
        if not looks_like_a_key(key):
            return None
        secret_hash = hash_key(key)
        now = time.monotonic()
        cached = self._cache.get(secret_hash)
        if cached is not None and cached.until > now:
            known = cached.known
        else:
            known = await self._load(secret_hash, stale=cached)
        if known is None:
            return None
        if known.revoked_at is not None:
            raise CallerRejected("This API key has been revoked.")
        if known.expires_at is not None and known.expires_at <= utcnow():
            raise CallerRejected(f"This API key expired at {known.expires_at.isoformat()}.")
        self._note_use(known.key_id, now)
        return known.identity

    def forget(self, key_id: str) -> None:
        """Drop ``key_id`` from the cache (after a revocation through this process)."""
        for secret_hash, cached in list(self._cache.items()):
            if cached.known is not None and cached.known.key_id == key_id:
                del self._cache[secret_hash]

    async def close(self) -> None:
        """Wait for the pending ``last_used_at`` writes."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _load(self, secret_hash: str, *, stale: _Cached | None) -> _Known | None:
        # Concurrent calls with the same uncached key share one query.
        pending = self._loading.get(secret_hash)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[_Known | None] = asyncio.get_running_loop().create_future()
        self._loading[secret_hash] = future
        try:
            try:
                known = await self._fetch(secret_hash)
            except Exception:
                if stale is None:
                    raise
                # The database is unreachable: keep trusting what was verified last.
                logger.warning("API key lookup failed; using the cached answer", exc_info=True)
                known = stale.known
            if len(self._cache) >= _MAX_CACHED:
                self._cache.clear()
            self._cache[secret_hash] = _Cached(known, time.monotonic() + self.cache_seconds)
            future.set_result(known)
            return known
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters, if any, re-raise it themselves
            raise
        finally:
            del self._loading[secret_hash]

    async def _fetch(self, secret_hash: str) -> _Known | None:
        async with self.database.transaction(write=False) as session:
            key = await repository.by_hash(session, secret_hash)
            if key is None:
                return None
            return _Known(
                key_id=key.id,
                identity=identity_of(key),
                expires_at=key.expires_at,
                revoked_at=key.revoked_at,
            )

    def _note_use(self, key_id: str, now: float) -> None:
        last = self._last_recorded.get(key_id)
        if last is not None and now - last < self.last_used_seconds:
            return
        if len(self._last_recorded) >= _MAX_CACHED:
            self._last_recorded.clear()
        self._last_recorded[key_id] = now
        task = asyncio.create_task(self._record_use(key_id, utcnow()))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _record_use(self, key_id: str, when: datetime) -> None:
        try:
            async with self.database.transaction() as session:
                await repository.record_use(session, key_id, when)
        except Exception:
            logger.warning("could not record the use of API key %s", key_id, exc_info=True)
