"""A real surveys app per backend (SQLite and PostgreSQL), with its migrations applied.

The ``admin`` and ``anonymous`` clients come from the kit's pytest plugin."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from kit.settings import CommonSettings
from kit.testing.apps import running_service
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory
from surveys.config import Settings
from surveys.main import SERVICE_ROOT, create_app


@pytest.fixture(scope="session", params=BACKENDS)
async def app(
    request: pytest.FixtureRequest, nats_server: NatsServer, database_factory: DatabaseFactory
) -> AsyncIterator[FastAPI]:
    url = await database_factory(request.param, "surveys")
    settings = Settings(database_url=url, common=CommonSettings(nats_url=nats_server.url))
    async with running_service(create_app, settings, SERVICE_ROOT) as running:
        yield running
