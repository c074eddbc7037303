"""A real directory app per backend (SQLite and PostgreSQL), with its migrations applied."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI

from directory.config import Settings
from directory.main import SERVICE_ROOT, create_app
from kit.mail.sink import MailSink
from kit.settings import CommonSettings
from kit.testing.apps import running_service
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory

STAFF_EMAIL = "equipe@maillage.example.org"


@pytest.fixture(scope="session")
async def directory_mail(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MailSink]:
    """The SMTP server the directory apps mail to; tests find their messages by recipient."""
    async with MailSink(tmp_path_factory.mktemp("directory-mail")) as sink:
        yield sink


@pytest.fixture(scope="session", params=BACKENDS)
async def directory_app(
    request: pytest.FixtureRequest,
    nats_server: NatsServer,
    database_factory: DatabaseFactory,
    directory_mail: MailSink,
) -> AsyncIterator[FastAPI]:
    url = await database_factory(request.param, "directory")
    settings = Settings(
        database_url=url,
        common=CommonSettings(
            nats_url=nats_server.url,
            smtp_url=directory_mail.url,
            staff_email=STAFF_EMAIL,
            mail_poll_seconds=0.5,
        ),
    )
    async with running_service(create_app, settings, SERVICE_ROOT) as app:
        yield app


@pytest.fixture
def app(directory_app: FastAPI) -> FastAPI:
    """The service under test, for the kit plugin's ``admin``, ``anonymous``, ``member_of``."""
    return directory_app
