"""Fixtures of the kit's integration tests: a fresh database on each backend, NATS."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from kit.broker import Broker
from kit.db import Database
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(database_factory: DatabaseFactory, backend: str) -> str:
    return await database_factory(backend, "kit")


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def broker(nats_server: NatsServer) -> AsyncIterator[Broker]:
    broker = Broker(nats_server.url, name="kit-test")
    broker.start()
    await broker.connected()
    yield broker
    await broker.close()


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[NatsServer]:
    """A NATS server of the test's own, free to be stopped and restarted."""
    server = NatsServer(tmp_path / "nats")
    server.start()
    yield server
    server.stop()


def unique_subject(prefix: str, what: str = "thing.happened") -> str:
    """A subject under ``prefix`` that no other test publishes on."""
    return f"{prefix}.kittest{uuid.uuid4().hex[:10]}.{what}"
