"""A real surveys app per backend (SQLite and PostgreSQL), with its migrations applied, fed by
directory events published on a real NATS.

The ``admin`` and ``anonymous`` clients come from the kit's pytest plugin."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.directory import ACTOR_CREATED, ACTOR_RECORD
from kit.mail.sink import MailSink
from kit.settings import CommonSettings
from kit.testing import projections
from kit.testing.apps import running_service
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory
from kit.testing.projections import Announce
from kit.testing.projections import Known as KnownActors
from surveys.actors.models import KnownActor
from surveys.answers.service import answer_service
from surveys.config import Settings
from surveys.main import SERVICE_ROOT, create_app
from surveys.questionnaires.repository import version_repository
from surveys.responses.models import Response

PUBLIC_URL = "https://maillage.example.org"


#: The least a ``directory.actor.created`` carries; tests add what they look at.
MINIMAL_ACTOR = {"kind": "organisation", "name": "Sans nom", "status": "active"}


@pytest.fixture(scope="session")
async def surveys_mail(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MailSink]:
    """The SMTP server the surveys apps mail to; tests find their messages by recipient."""
    async with MailSink(tmp_path_factory.mktemp("surveys-mail")) as sink:
        yield sink


@pytest.fixture(scope="session", params=BACKENDS)
async def app(
    request: pytest.FixtureRequest,
    nats_server: NatsServer,
    database_factory: DatabaseFactory,
    surveys_mail: MailSink,
) -> AsyncIterator[FastAPI]:
    url = await database_factory(request.param, "surveys")
    settings = Settings(
        database_url=url,
        consumer_prefix=f"surveys-test-{request.param}-{uuid.uuid4().hex[:6]}",
        common=CommonSettings(
            nats_url=nats_server.url,
            smtp_url=surveys_mail.url,
            public_url=PUBLIC_URL,
            mail_poll_seconds=0.5,
        ),
    )
    async with running_service(create_app, settings, SERVICE_ROOT) as running:
        yield running


@pytest.fixture(scope="session")
async def jetstream(nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    async with projections.jetstream(nats_server.url, ["DIRECTORY", "SURVEYS"]) as js:
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


async def submitted(session: AsyncSession, response: Response) -> Response:
    """Add a submitted response written straight into the database, with its counted form
    (``answer_values``, ``response_cuts``) as the response service writes it on submission."""
    session.add(response)
    await session.flush()
    version = await version_repository.get(session, response.survey_id, response.version)
    assert version is not None
    await answer_service.record(
        session,
        response,
        sections=version.definition["sections"],
        invitation_id=response.invitation_id,
    )
    return response
