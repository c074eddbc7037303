"""Real processes in miniature: fake services built from kit pieces, and the gateway itself,
each served by uvicorn on its own port, all called over real sockets with httpx."""

from __future__ import annotations

import asyncio
import copy
import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, SecretStr

from gateway.config import Settings
from gateway.db import GATEWAY_ROOT
from gateway.main import create_app
from kit.identity import CurrentIdentity, IdentityMiddleware, IdentityVerifier
from kit.logs import request_id_var
from kit.middleware import RequestIdMiddleware
from kit.migrations import upgrade
from kit.problems import NotFound, install_problem_handlers
from kit.settings import DEV_IDENTITY_SECRET, CommonSettings
from kit.testing.apps import served
from kit.testing.nats import free_port
from kit.testing.plugin import BACKENDS, DatabaseFactory
from kit.wakeup import woken

ADMIN_KEY = "test-admin-key-0123456789"
MAX_BODY_BYTES = 4 * 1024 * 1024
UPSTREAM_TIMEOUT_SECONDS = 0.5
#: The test gateways' secrets key (webhook and partner secrets are encrypted under it).
SECRETS_KEY = "bM2NFD6yYvc7rjat7DslINncXjLbUsQxC2BMiIfiSXw="


class Place(BaseModel):
    """Declared identically by two services: shared in the merged document."""

    name: str
    city: str


class DirectoryItem(BaseModel):
    id: str
    place: Place


class EventsItem(BaseModel):
    title: str
    starts_at: str
    place: Place


def _echo(service: str, request: Request, identity: Any) -> dict[str, Any]:
    return {
        "service": service,
        "method": request.method,
        "path": request.url.path,
        "query": request.url.query,
        "role": identity.role.value,
        "subject": identity.subject,
        "actor_ids": [str(a) for a in identity.actor_ids],
        "partner": identity.partner,
        "request_id": request_id_var.get(),
        "headers": dict(request.headers),
    }


def directory_app(endless_stopped: asyncio.Event) -> FastAPI:
    router = APIRouter()

    @router.get("/v1/resources/endless")
    async def endless() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            try:
                while True:
                    yield b"z" * 65536
                    await asyncio.sleep(0)
            finally:
                endless_stopped.set()

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    @router.get("/v1/actors/{actor_id}", response_model=None)
    async def read_actor(actor_id: str, request: Request, identity: CurrentIdentity) -> Any:
        if actor_id == "missing":
            raise NotFound("No actor missing.")
        return _echo("directory", request, identity)

    @router.get("/v1/actors")
    async def list_actors(request: Request, identity: CurrentIdentity) -> dict[str, Any]:
        return _echo("directory", request, identity)

    @router.post("/v1/actors", status_code=201)
    async def create_actor(
        request: Request, identity: CurrentIdentity, response: Response
    ) -> dict[str, Any]:
        response.headers["location"] = "/v1/actors/a1"
        response.headers["etag"] = '"1"'
        response.headers["x-upstream-note"] = "créé"
        return {**_echo("directory", request, identity), "body": await request.json()}

    @router.delete("/v1/actors/{actor_id}", status_code=204)
    async def delete_actor(actor_id: str) -> Response:
        return Response(status_code=204)

    @router.get("/v1/resources/items/{item_id}", response_model=DirectoryItem)
    async def read_item(item_id: str) -> DirectoryItem:
        return DirectoryItem(id=item_id, place=Place(name="Muséum", city="Toulouse"))

    @router.get("/v1/resources/download")
    async def download(size: int, whole: bool = False) -> Response:
        if whole:
            return Response(_payload(size), media_type="application/octet-stream")

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, size, 100_000):
                yield _payload(size)[start : start + 100_000]

        return StreamingResponse(chunks(), media_type="application/octet-stream")

    @router.post("/v1/imports")
    async def upload(request: Request, identity: CurrentIdentity) -> dict[str, Any]:
        digest, count = hashlib.sha256(), 0
        async for chunk in request.stream():
            digest.update(chunk)
            count += len(chunk)
        return {
            "bytes": count,
            "sha256": digest.hexdigest(),
            "content_length": request.headers.get("content-length"),
            "transfer_encoding": request.headers.get("transfer-encoding"),
        }

    return fake_service("directory", router)


def events_app() -> FastAPI:
    router = APIRouter()

    @router.get("/v1/events/{event_id}", response_model=EventsItem)
    async def read_event(event_id: str) -> EventsItem:
        return EventsItem(
            title="Fête de la science", starts_at="2026-10-02", place=Place(name="Q", city="Albi")
        )

    @router.post("/v1/events/{event_id}/registrations", status_code=201)
    async def register(event_id: str, request: Request, identity: CurrentIdentity) -> Any:
        return _echo("events", request, identity)

    @router.post("/v1/registrations/{token}/cancel")
    async def cancel(token: str, request: Request, identity: CurrentIdentity) -> Any:
        return _echo("events", request, identity)

    @router.get("/p/registrations/{token}", include_in_schema=False)
    @router.post("/p/registrations/{token}", include_in_schema=False)
    @router.get("/p/unsubscribe/{token}", include_in_schema=False)
    async def page(token: str, request: Request, identity: CurrentIdentity) -> Any:
        return _echo("events", request, identity)

    @router.get("/v1/events.ics")
    @router.head("/v1/events.ics", include_in_schema=False)
    async def calendar(request: Request, identity: CurrentIdentity) -> PlainTextResponse:
        return PlainTextResponse(
            f"BEGIN:VCALENDAR\r\nX-ROLE:{identity.role.value}\r\nEND:VCALENDAR\r\n",
            media_type="text/calendar",
        )

    app = fake_service("events", router)
    # Same component name as in the directory, different meaning: must not be shared.
    original = app.openapi

    def openapi_with_conflict() -> dict[str, Any]:
        document = copy.deepcopy(original())
        schemas = document["components"]["schemas"]
        schemas["Item"] = schemas.pop("EventsItem")
        _rename_refs(document, "#/components/schemas/EventsItem", "#/components/schemas/Item")
        return document

    app.openapi = openapi_with_conflict  # type: ignore[method-assign]
    return app


def eu_watch_app(release: asyncio.Event) -> FastAPI:
    router = APIRouter()

    @router.get("/v1/calls/slow")
    async def slow() -> dict[str, str]:
        # Ends with the session; on its own after 30 s (the test that called it long gone).
        await woken(release, within=30)
        return {"status": "late"}

    @router.get("/p/unsubscribe/{token}", include_in_schema=False)
    async def unsubscribe_page(token: str, request: Request, identity: CurrentIdentity) -> Any:
        return _echo("eu-watch", request, identity)

    @router.get("/v1/calls/{call_id}")
    async def read_call(call_id: str, request: Request, identity: CurrentIdentity) -> Any:
        return _echo("eu-watch", request, identity)

    return fake_service("eu-watch", router)


def fake_service(name: str, router: APIRouter) -> FastAPI:
    """A service shaped like the real ones: problems, health, identity required."""
    app = FastAPI(title=f"fake {name}")
    install_problem_handlers(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(router)
    app.add_middleware(IdentityMiddleware, verifier=IdentityVerifier(DEV_IDENTITY_SECRET))
    app.add_middleware(RequestIdMiddleware)
    if name == "directory":
        # Directory's item is called "Item" in the document too, so the names collide.
        original = app.openapi

        def openapi_renamed() -> dict[str, Any]:
            document = copy.deepcopy(original())
            schemas = document["components"]["schemas"]
            schemas["Item"] = schemas.pop("DirectoryItem")
            _rename_refs(
                document, "#/components/schemas/DirectoryItem", "#/components/schemas/Item"
            )
            return document

        app.openapi = openapi_renamed  # type: ignore[method-assign]
    return app


def _rename_refs(node: Any, old: str, new: str) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and value == old:
                node[key] = new
            else:
                _rename_refs(value, old, new)
    elif isinstance(node, list):
        for item in node:
            _rename_refs(item, old, new)


def _payload(size: int) -> bytes:
    block = bytes(range(256)) * 4096
    return (block * (size // len(block) + 1))[:size]


@dataclass
class Stack:
    gateway_url: str
    directory_url: str
    events_url: str
    eu_watch_url: str
    surveys_url: str  # nothing listens there
    endless_stopped: asyncio.Event
    max_body_bytes: int = MAX_BODY_BYTES
    upstream_timeout_seconds: float = UPSTREAM_TIMEOUT_SECONDS


def gateway_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "upstream_timeout_seconds": UPSTREAM_TIMEOUT_SECONDS,
        "connect_timeout_seconds": 2,
        "max_body_bytes": MAX_BODY_BYTES,
        "openapi_cache_seconds": 0,
        "probe_timeout_seconds": 2,
        "admin_key": SecretStr(ADMIN_KEY),
        # Local receivers of webhook tests listen there.
        "webhook_allowed_hosts": "127.0.0.1",
        "secrets_key": SecretStr(SECRETS_KEY),
        "common": CommonSettings(identity_secret=SecretStr(DEV_IDENTITY_SECRET)),
    }
    return Settings(**(values | overrides))


async def migrated_database(database_factory: DatabaseFactory, backend: str) -> str:
    """A new gateway database on ``backend``, migrated as ``maillage-gateway migrate`` does."""
    url = await database_factory(backend, "gateway")
    await asyncio.to_thread(upgrade, GATEWAY_ROOT, url)
    return url


@pytest.fixture(scope="session")
async def gateway_database(database_factory: DatabaseFactory) -> str:
    """The SQLite database of the session's gateway (and of ``another_gateway``)."""
    return await migrated_database(database_factory, "sqlite")


@pytest.fixture(scope="session")
async def stack(gateway_database: str) -> AsyncIterator[Stack]:
    release, endless_stopped = asyncio.Event(), asyncio.Event()
    async with (
        served(directory_app(endless_stopped)) as directory_url,
        served(events_app()) as events_url,
        served(eu_watch_app(release)) as eu_watch_url,
    ):
        surveys_url = f"http://127.0.0.1:{free_port()}"
        settings = gateway_settings(
            directory_url=directory_url,
            events_url=events_url,
            surveys_url=surveys_url,
            eu_watch_url=eu_watch_url,
            database_url=gateway_database,
        )
        async with served(create_app(settings), http="httptools") as gateway_url:
            yield Stack(
                gateway_url=gateway_url,
                directory_url=directory_url,
                events_url=events_url,
                eu_watch_url=eu_watch_url,
                surveys_url=surveys_url,
                endless_stopped=endless_stopped,
            )
        release.set()


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=10) as http:
        yield http


@pytest.fixture
def admin() -> dict[str, str]:
    return {"authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
def payload() -> Any:
    return _payload


@pytest.fixture
def another_gateway(gateway_database: str) -> Callable[..., AbstractAsyncContextManager[str]]:
    """``async with another_gateway(**settings) as url``: a second gateway, configured apart
    (on the session gateway's database unless ``database_url`` is given)."""

    def start(**overrides: Any) -> AbstractAsyncContextManager[str]:
        settings = gateway_settings(**({"database_url": gateway_database} | overrides))
        return served(create_app(settings), http="httptools")

    return start


@dataclass
class KeyedGateway:
    """A gateway in front of the session's fake services, on its own database."""

    url: str
    database_url: str
    backend: str
    stack: Stack

    def settings(self, **overrides: Any) -> Settings:
        return gateway_settings(
            **{
                "directory_url": self.stack.directory_url,
                "events_url": self.stack.events_url,
                "surveys_url": self.stack.surveys_url,
                "eu_watch_url": self.stack.eu_watch_url,
                "database_url": self.database_url,
            }
            | overrides
        )


@pytest.fixture(scope="session", params=BACKENDS)
async def keyed(
    request: pytest.FixtureRequest, stack: Stack, database_factory: DatabaseFactory
) -> AsyncIterator[KeyedGateway]:
    """A gateway with API keys on each backend (SQLite, PostgreSQL)."""
    backend: str = request.param
    url = await migrated_database(database_factory, backend)
    gateway = KeyedGateway(url="", database_url=url, backend=backend, stack=stack)
    async with served(create_app(gateway.settings()), http="httptools") as gateway_url:
        gateway.url = gateway_url
        yield gateway


@pytest.fixture
async def keyed_client(keyed: KeyedGateway) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=keyed.url, timeout=10) as http:
        yield http
