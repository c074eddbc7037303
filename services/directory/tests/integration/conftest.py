"""A real directory app per backend (SQLite and PostgreSQL), with its migrations applied."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from directory.config import Settings
from directory.main import SERVICE_ROOT, create_app
from kit.identity import IdentitySigner
from kit.mail.sink import MailSink
from kit.settings import CommonSettings
from kit.testing.apps import running_service
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory, asgi_client, identity_headers

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
async def admin(
    directory_app: FastAPI, identity_signer: IdentitySigner
) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(directory_app, identity_headers(identity_signer, "admin")) as client:
        yield client


@pytest.fixture
async def anonymous(
    directory_app: FastAPI, identity_signer: IdentitySigner
) -> AsyncIterator[httpx.AsyncClient]:
    headers = identity_headers(identity_signer, "anonymous")
    async with asgi_client(directory_app, headers) as client:
        yield client


MemberClient = Callable[..., httpx.AsyncClient]


@pytest.fixture
def member_of(directory_app: FastAPI, identity_signer: IdentitySigner) -> MemberClient:
    """``member_of(actor_id, ...)`` → a client acting as a member bound to those actors."""

    def make(*actor_ids: uuid.UUID) -> httpx.AsyncClient:
        headers = identity_headers(identity_signer, "member", actor_ids=actor_ids)
        return asgi_client(directory_app, headers)

    return make
