"""A real eu-watch app per backend (SQLite and PostgreSQL), with its migrations applied,
syncing from a fake portal served on a local port.

The ``admin`` and ``anonymous`` clients come from the kit's pytest plugin."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext

from contracts.directory import ACTOR_CREATED, ACTOR_RECORD
from eu_watch.actors.models import KnownActor
from eu_watch.config import Settings
from eu_watch.main import SERVICE_ROOT, create_app
from eu_watch.testing.fake_portal import SEARCH_PATH, FakePortal
from kit.mail.sink import MailSink
from kit.service import Runtime
from kit.settings import CommonSettings
from kit.testing import projections
from kit.testing.apps import running_service, served
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory
from kit.testing.projections import Announce
from kit.testing.projections import Known as KnownActors

#: The least a ``directory.actor.created`` carries; tests add what they look at.
MINIMAL_ACTOR = {"kind": "organisation", "name": "Sans nom", "status": "active"}


@pytest.fixture(scope="session")
async def portal() -> AsyncIterator[tuple[FakePortal, str]]:
    """The fake portal and its search URL (one server for the session; tests reset it)."""
    fake = FakePortal()
    async with served(fake.app()) as base_url:
        yield fake, f"{base_url}{SEARCH_PATH}"


PUBLIC_URL = "https://maillage.example.org"
STAFF_EMAIL = "veille@maillage.example.org"


@pytest.fixture(scope="session")
async def eu_watch_mail(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MailSink]:
    """The SMTP server the eu-watch apps mail to; tests find their messages by recipient."""
    async with MailSink(tmp_path_factory.mktemp("eu-watch-mail")) as sink:
        yield sink


@pytest.fixture(scope="session", params=BACKENDS)
async def app(
    request: pytest.FixtureRequest,
    nats_server: NatsServer,
    database_factory: DatabaseFactory,
    portal: tuple[FakePortal, str],
    eu_watch_mail: MailSink,
) -> AsyncIterator[FastAPI]:
    url = await database_factory(request.param, "eu_watch")
    settings = Settings(
        database_url=url,
        common=CommonSettings(
            nats_url=nats_server.url,
            smtp_url=eu_watch_mail.url,
            public_url=PUBLIC_URL,
            staff_email=STAFF_EMAIL,
            mail_poll_seconds=0.5,
        ),
        # Tests run the watch and reminder passes with the clock they choose.
        watch_check_seconds=0,
        reminder_check_seconds=0,
        consumer_prefix=f"eu-watch-test-{request.param}-{uuid.uuid4().hex[:6]}",
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


@pytest.fixture(scope="session")
async def jetstream(nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    async with projections.jetstream(nats_server.url, ["DIRECTORY", "EUWATCH"]) as js:
        yield js


@pytest.fixture
def announce(jetstream: JetStreamContext) -> Announce:
    """Publish a ``directory.actor.*`` event as the directory would."""
    return projections.announcer(
        jetstream, ACTOR_RECORD, producer="maillage/directory", minimal=MINIMAL_ACTOR
    )


@pytest.fixture
def known_actors(app: FastAPI, announce: Announce) -> KnownActors:
    """Announce actors and wait until the projection holds all of them."""
    database = app.state.runtime.database
    return projections.known_records(announce, ACTOR_CREATED, database, KnownActor)
