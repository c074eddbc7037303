"""Maillage's pytest plugin: a real NATS server, fresh databases on both backends, clients.

Loaded for the whole workspace with ``-p kit.testing.plugin``. PostgreSQL tests run wherever
a server answers; with ``CI=true`` an unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from kit.identity import Identity, IdentitySigner, Role
from kit.mail.sink import MailSink
from kit.settings import DEV_IDENTITY_SECRET
from kit.testing.browser import browser, browser_page  # noqa: F401 (fixtures of the plugin)
from kit.testing.databases import (
    create_postgres_database,
    drop_postgres_database,
    postgres_reachable,
    sqlite_url,
)
from kit.testing.nats import NatsServer
from kit.testing.paths import repo_root  # noqa: F401 (importers find it here too)

BACKENDS = ("sqlite", "postgresql")

DatabaseFactory = Callable[[str, str], Awaitable[str]]


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    """A JetStream ``nats-server`` on a free port for the whole session."""
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def database_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[DatabaseFactory]:
    """``await database_factory(backend, prefix)`` → URL of a new, empty database."""
    created: list[str] = []
    sqlite_dir = tmp_path_factory.mktemp("sqlite")

    async def make(backend: str, prefix: str) -> str:
        if backend == "sqlite":
            return sqlite_url(sqlite_dir, prefix)
        why = await postgres_reachable()
        if why is not None:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"PostgreSQL is required when CI=true and is unreachable: {why}")
            pytest.skip(f"PostgreSQL not reachable here ({why}); CI=true makes this a failure")
        url = await create_postgres_database(f"maillage_test_{prefix}")
        created.append(url)
        return url

    yield make
    # Each DROP DATABASE waits for a checkpoint (about a second once tables were written);
    # dropped together, their checkpoints are shared.
    limit = asyncio.Semaphore(8)

    async def drop(url: str) -> None:
        async with limit:
            await drop_postgres_database(url)

    await asyncio.gather(*(drop(url) for url in created))


@pytest.fixture
async def mail_sink(tmp_path: Path) -> AsyncIterator[MailSink]:
    """A real SMTP server (:class:`kit.mail.sink.MailSink`) keeping what it receives in
    ``tmp_path/mail``; point ``CommonSettings(smtp_url=mail_sink.url)`` at it and read
    ``mail_sink.received()``."""
    async with MailSink(tmp_path / "mail") as sink:
        yield sink


#: How long a test's signed identity lasts. A test client holds the headers it was made with,
#: and the signer hands out a cached token for half its life: at the gateway's 60 s, a test
#: that began near the end of that half had barely 30 s before its calls answered 401 (seen
#: on a loaded machine). Expiry itself is tested with signers of its own.
TEST_IDENTITY_TTL_SECONDS = 3600


@pytest.fixture(scope="session")
def identity_signer() -> IdentitySigner:
    return IdentitySigner(DEV_IDENTITY_SECRET, ttl_seconds=TEST_IDENTITY_TTL_SECONDS)


@pytest.fixture
async def admin(app: FastAPI, identity_signer: IdentitySigner) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the service under test (fixture ``app``) acting as an admin."""
    async with asgi_client(app, identity_headers(identity_signer, "admin")) as client:
        yield client


@pytest.fixture
async def anonymous(
    app: FastAPI, identity_signer: IdentitySigner
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the service under test (fixture ``app``) as an anonymous caller."""
    async with asgi_client(app, identity_headers(identity_signer, "anonymous")) as client:
        yield client


@pytest.fixture
def member_of(app: FastAPI, identity_signer: IdentitySigner) -> Callable[..., httpx.AsyncClient]:
    """``member_of(actor_id, ...)``: a client of the service under test (fixture ``app``)
    acting as a member bound to those actors."""

    def make(*actor_ids: uuid.UUID) -> httpx.AsyncClient:
        return asgi_client(app, identity_headers(identity_signer, "member", actor_ids=actor_ids))

    return make


def identity_headers(
    signer: IdentitySigner,
    role: Role | str,
    *,
    actor_ids: tuple[uuid.UUID, ...] = (),
    partner: str | None = None,
) -> dict[str, str]:
    """Headers a gateway would add for a caller with ``role``."""
    role = Role(role)
    identity = Identity(
        subject=f"test-{role.value}", role=role, actor_ids=actor_ids, partner=partner
    )
    return {"x-maillage-identity": signer.sign(identity)}


def asgi_client(app: FastAPI, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """An httpx client talking to ``app`` in-process (run its lifespan separately)."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service", headers=headers
    )
