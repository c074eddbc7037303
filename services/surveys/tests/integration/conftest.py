"""A real surveys app per backend (SQLite and PostgreSQL), with its migrations applied, fed by
directory events published on a real NATS.

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

from kit.broker import ensure_streams
from kit.cloudevents import CloudEvent
from kit.identity import IdentitySigner
from kit.mail.sink import MailSink
from kit.settings import CommonSettings
from kit.testing.apps import running_service
from kit.testing.nats import NatsServer
from kit.testing.plugin import BACKENDS, DatabaseFactory, asgi_client, identity_headers
from kit.testing.polling import wait_until
from surveys.actors.repository import known_actor_repository
from surveys.config import Settings
from surveys.main import SERVICE_ROOT, create_app

Announce = Callable[..., Awaitable[CloudEvent]]
PUBLIC_URL = "https://maillage.example.org"


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
    client = await nats.connect(nats_server.url)
    js = client.jetstream()
    await ensure_streams(js, ["DIRECTORY", "SURVEYS"])
    yield js
    await client.close()


@pytest.fixture
def announce(jetstream: JetStreamContext) -> Announce:
    """Publish a ``directory.actor.*`` event as the directory would (membership included)."""

    async def publish(
        event_type: str, actor_id: uuid.UUID, *, event_id: str | None = None, **data: Any
    ) -> CloudEvent:
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
        if event_id:
            event.id = event_id
        await jetstream.publish(event_type, event.to_json(), headers={"Nats-Msg-Id": event.id})
        return event

    return publish


KnownActors = Callable[..., Awaitable[list[uuid.UUID]]]


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
            async with app.state.runtime.database.transaction() as session:
                found = await known_actor_repository.get_many(session, ids)
            return len(found) == len(ids)

        await wait_until(projected, what="the actors reach the projection")
        return ids

    return make


@pytest.fixture
def member_of(app: FastAPI, identity_signer: IdentitySigner) -> Callable[..., httpx.AsyncClient]:
    def make(*actor_ids: uuid.UUID) -> httpx.AsyncClient:
        headers = identity_headers(identity_signer, "member", actor_ids=actor_ids)
        return asgi_client(app, headers)

    return make
