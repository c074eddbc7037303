"""A real eu-watch app per backend (SQLite and PostgreSQL), with its migrations applied,
syncing from a fake portal served on a local port.

The ``admin`` and ``anonymous`` clients come from the kit's pytest plugin."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import nats
import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext

from eu_watch.actors.repository import known_actor_repository
from eu_watch.config import Settings
from eu_watch.main import SERVICE_ROOT, create_app
from eu_watch.testing.fake_portal import SEARCH_PATH, FakePortal
from kit.broker import ensure_streams
from kit.cloudevents import CloudEvent
from kit.identity import IdentitySigner
from kit.mail.sink import MailSink
from kit.service import Runtime
from kit.settings import CommonSettings
from kit.testing.apps import running_service, served
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory, asgi_client, identity_headers
from kit.testing.polling import wait_until

Announce = Callable[..., Awaitable[CloudEvent]]
KnownActors = Callable[..., Awaitable[list[uuid.UUID]]]


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
    client = await nats.connect(nats_server.url)
    js = client.jetstream()
    await ensure_streams(js, ["DIRECTORY", "EUWATCH"])
    yield js
    await client.close()


@pytest.fixture
def announce(jetstream: JetStreamContext) -> Announce:
    """Publish a ``directory.actor.*`` event as the directory would (membership included)."""

    async def publish(event_type: str, actor_id: uuid.UUID, **data: Any) -> CloudEvent:
        now = datetime.now(UTC).isoformat()
        payload: dict[str, Any] = {"id": str(actor_id), "version": 1}
        if event_type in ("directory.actor.created", "directory.actor.updated"):
            payload |= {
                "kind": "organisation",
                "name": "Sans nom",
                "status": "active",
                "created_at": now,
                "updated_at": now,
            }
        if event_type == "directory.actor.deleted":
            payload["deleted_at"] = now
        payload |= data
        event = CloudEvent(
            source="maillage/directory", type=event_type, subject=str(actor_id), data=payload
        )
        await jetstream.publish(event_type, event.to_json(), headers={"Nats-Msg-Id": event.id})
        return event

    return publish


@pytest.fixture
def known_actors(app: FastAPI, announce: Announce) -> KnownActors:
    """Announce actors and wait until the projection holds all of them."""

    async def make(*actors: dict[str, Any]) -> list[uuid.UUID]:
        ids = []
        for data in actors:
            actor_id = uuid.UUID(str(data.pop("id", uuid.uuid4())))
            await announce("directory.actor.created", actor_id, **data)
            ids.append(actor_id)

        async def projected() -> bool:
            async with app.state.runtime.database.transaction(write=False) as session:
                found = [await known_actor_repository.get(session, i) for i in ids]
            return all(found)

        await wait_until(projected, what="the actors reach the projection")
        return ids

    return make


@pytest.fixture
def member_of(app: FastAPI, identity_signer: IdentitySigner) -> Callable[..., httpx.AsyncClient]:
    def make(*actor_ids: uuid.UUID) -> httpx.AsyncClient:
        headers = identity_headers(identity_signer, "member", actor_ids=actor_ids)
        return asgi_client(app, headers)

    return make
