"""A real eu-watch app per backend (SQLite and PostgreSQL), with its migrations applied,
syncing from a fake portal served on a local port.

The ``admin`` and ``anonymous`` clients come from the kit's pytest plugin."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from eu_watch.config import Settings
from eu_watch.main import SERVICE_ROOT, create_app
from eu_watch.testing.fake_portal import SEARCH_PATH, FakePortal
from kit.service import Runtime
from kit.settings import CommonSettings
from kit.testing.apps import running_service, served
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory


@pytest.fixture(scope="session")
async def portal() -> AsyncIterator[tuple[FakePortal, str]]:
    """The fake portal and its search URL (one server for the session; tests reset it)."""
    fake = FakePortal()
    async with served(fake.app()) as base_url:
        yield fake, f"{base_url}{SEARCH_PATH}"


@pytest.fixture(scope="session", params=BACKENDS)
async def app(
    request: pytest.FixtureRequest,
    nats_server: NatsServer,
    database_factory: DatabaseFactory,
    portal: tuple[FakePortal, str],
) -> AsyncIterator[FastAPI]:
    url = await database_factory(request.param, "eu_watch")
    settings = Settings(
        database_url=url,
        common=CommonSettings(nats_url=nats_server.url),
        sedia_url=portal[1],
        # Tests run the sync when they mean to: no run at start-up or on a schedule.
        sedia_sync=False,
        sedia_backoff_seconds=0.01,
        sedia_page_size=4,
    )
    async with running_service(create_app, settings, SERVICE_ROOT) as running:
        yield running


@pytest.fixture
def settings(app: FastAPI) -> Settings:
    value: Settings = app.state.settings
    return value


@pytest.fixture
def runtime(app: FastAPI) -> Runtime:
    value: Runtime = app.state.runtime
    return value
