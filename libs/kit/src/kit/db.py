"""Async SQLAlchemy engine, sessions and the one-transaction-per-request rule.

The same code runs on SQLite (embedded default, aiosqlite in WAL mode with foreign keys on)
and on PostgreSQL (asyncpg). Services never commit: :meth:`Database.transaction` does, once,
and then wakes whoever waits for committed outbox rows.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

OUTBOX_DIRTY = "outbox_dirty"


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create an engine for ``url`` with the pragmas and pool settings Maillage relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # Made for its owner alone, as make_private keeps var/ under `maillage run`: the
            # database holds contacts, answers and secrets. (A folder that exists is left.)
            Path(parsed.database).parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            echo=echo,
            json_serializer=_json_dumps,
            json_deserializer=json.loads,
            connect_args={"timeout": 30},
        )
        _install_sqlite_pragmas(engine)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        json_serializer=_json_dumps,
        json_deserializer=json.loads,
        pool_size=10,
        max_overflow=20,
        # asyncpg prepares every statement; after five runs PostgreSQL may switch to a
        # generic plan that ignores the values, which for searches whose selectivity varies
        # with the filters (a rare tag, a big département) picked plans 5x slower. Planning
        # each execution costs a fraction of a millisecond.
        connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}},
    )
    _install_postgres_liveness_check(engine)
    return engine


def _install_postgres_liveness_check(engine: AsyncEngine) -> None:
    """A pooled connection the server closed (a restart, a terminated backend) is replaced
    at checkout, without a round trip: asyncpg hears the server close the socket while the
    connection waits in the pool. SQLAlchemy's ``pool_pre_ping`` did the same with three
    round trips per checkout (BEGIN, a query, ROLLBACK: its asyncpg ping opens a
    transaction), a fifth of a submission's statements."""

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.driver_connection.is_closed():
            raise DisconnectionError("the server closed this pooled connection")


def _install_sqlite_pragmas(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN; we issue BEGIN IMMEDIATE ourselves
        # for writes (see Database.transaction) so concurrent writers queue instead of failing.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """An engine, its session factory and the hooks run after each commit."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_engine(url, echo=echo)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)
        self._after_commit: list[Callable[[], None]] = []
        # SQLite has one writer at a time. Writers of this process queue here, before taking
        # a pooled connection, instead of each holding one while SQLite's busy handler makes
        # it wait: fifty concurrent saves otherwise filled the pool, starved every read and
        # ended in pool timeouts (500s). Other processes still queue on busy_timeout.
        self._sqlite_writer = asyncio.Lock()

    def on_outbox_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after every commit that wrote outbox rows (wakes the relay)."""
        self._after_commit.append(callback)

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """Open a session, commit it at the end (or roll back on error), then run hooks.

        On SQLite a writing transaction starts with ``BEGIN IMMEDIATE`` so that two writers
        never both read and then collide on upgrade to a write lock, and the writers of this
        process take turns before they take a connection (reads are never held up by them).
        A reading transaction (``write=False``: a GET's) sees one snapshot on both backends.
        """
        if self.is_sqlite and write:
            async with self._sqlite_writer, self._transaction(write=True) as session:
                yield session
        else:
            async with self._transaction(write=write) as session:
                yield session

    @asynccontextmanager
    async def _transaction(self, *, write: bool) -> AsyncIterator[AsyncSession]:
        session = self.sessions()
        try:
            if self.is_sqlite and write:
                await session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            elif not self.is_sqlite and not write:
                # A read sees one snapshot, as SQLite's WAL readers do: under READ COMMITTED
                # each statement would see its own moment, and an event read before a
                # writer's commit could be shown with organizers read after it. Writers stay
                # READ COMMITTED: they serialise on row locks, and would otherwise fail on
                # every concurrent update. Set on the connection, asyncpg opens the
                # transaction with it (BEGIN ISOLATION LEVEL ...: no round trip of its own);
                # the pool puts the default back when the connection returns.
                await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        finally:
            dirty = session.info.pop(OUTBOX_DIRTY, False)
            await session.close()
        if dirty:
            for callback in self._after_commit:
                callback()

    async def ping(self) -> None:
        """Raise if the database cannot answer a trivial query."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def dialect_of(session: AsyncSession) -> str:
    """``"sqlite"`` or ``"postgresql"``: the backend ``session`` talks to."""
    bind = session.get_bind()
    return str(bind.dialect.name)
