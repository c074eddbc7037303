"""A real events app per backend, fed by directory events published on a real NATS."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext

from contracts.directory import ACTOR_RECORD
from events.config import Settings
from events.main import SERVICE_ROOT, create_app
from kit.mail.sink import MailSink
from kit.settings import CommonSettings
from kit.testing import projections
from kit.testing.apps import running_service
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory
from kit.testing.polling import wait_until
from kit.testing.projections import Announce

PUBLIC_URL = "https://maillage.example.org"


#: The least a ``directory.actor.created`` carries; tests add what they look at.
MINIMAL_ACTOR = {"kind": "organisation", "name": "Sans nom", "status": "active"}


@pytest.fixture(scope="session")
async def events_mail(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MailSink]:
    """The SMTP server the events apps mail to; tests find their messages by recipient."""
    async with MailSink(tmp_path_factory.mktemp("events-mail")) as sink:
        yield sink


@pytest.fixture(scope="session", params=BACKENDS)
async def events_app(
    request: pytest.FixtureRequest,
    nats_server: NatsServer,
    database_factory: DatabaseFactory,
    events_mail: MailSink,
) -> AsyncIterator[FastAPI]:
    url = await database_factory(request.param, "events")
    settings = Settings(
        database_url=url,
        consumer_prefix=f"events-test-{request.param}-{uuid.uuid4().hex[:6]}",
        common=CommonSettings(
            nats_url=nats_server.url,
            smtp_url=events_mail.url,
            public_url=PUBLIC_URL,
            mail_poll_seconds=0.5,
        ),
    )
    async with running_service(create_app, settings, SERVICE_ROOT) as app:
        yield app


@pytest.fixture
def app(events_app: FastAPI) -> FastAPI:
    """The service under test, for the kit plugin's ``admin``, ``anonymous``, ``member_of``."""
    return events_app


@pytest.fixture(scope="session")
async def jetstream(nats_server: NatsServer) -> AsyncIterator[JetStreamContext]:
    async with projections.jetstream(nats_server.url, ["DIRECTORY", "EVENTS"]) as js:
        yield js


@pytest.fixture
def announce(jetstream: JetStreamContext) -> Announce:
    """Publish a ``directory.actor.*`` event as the directory would."""
    return projections.announcer(
        jetstream, ACTOR_RECORD, producer="maillage/directory", minimal=MINIMAL_ACTOR
    )


@pytest.fixture
def new_event(
    admin: httpx.AsyncClient, announce: Announce
) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Create a published event of a new organizer, once the calendar knows that organizer."""

    async def make(**overrides: Any) -> dict[str, Any]:
        actor_id = overrides.pop("organizer_id", None)
        if actor_id is None:
            actor_id = uuid.uuid4()
            await announce("directory.actor.created", actor_id, name="Organisateur")
        body: dict[str, Any] = {
            "title": "Formation Médiation scientifique",
            "kind": "training",
            "organizer_ids": [str(actor_id)],
            "timings": [
                {"start": "2031-03-12T09:00:00+01:00", "end": "2031-03-12T17:30:00+01:00"},
            ],
            "attendance_mode": "offline",
            "location": {"name": "Quai des Savoirs", "city": "Toulouse", "commune_insee": "31555"},
            # Registrants confirm at once here; held seats (pending_email) have their tests.
            "registration": {
                "mode": "internal",
                "capacity": 10,
                "waitlist": True,
                "confirm_email": False,
            },
        }
        body.update(overrides)
        if isinstance(body.get("registration"), dict):
            # Anonymous registrants are confirmed at once unless a test asks for held seats.
            body["registration"] = {"confirm_email": False, **body["registration"]}

        async def created() -> dict[str, Any] | None:
            response = await admin.post("/v1/events", json=body)
            if response.status_code == 422 and "unknown actor" in response.text:
                return None  # the actor is still on its way from the directory
            assert response.status_code == 201, response.text
            return dict(response.json())

        return await wait_until(created, what="event created")

    return make
