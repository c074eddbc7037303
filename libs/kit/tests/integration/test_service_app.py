"""A throwaway service built with ``create_service_app``: one transaction per request,
committed before the response, events relayed right after commit, problems everywhere."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict

from kit.cloudevents import CloudEvent
from kit.consumers import Inbox
from kit.identity import IdentitySigner, Role
from kit.outbox import Outbox
from kit.problems import Conflict
from kit.service import (
    READY_TIMEOUT_SECONDS,
    DbSession,
    Runtime,
    ServiceSpec,
    create_service_app,
)
from kit.settings import CommonSettings, ServiceSettings
from kit.sqltypes import UtcDateTime
from kit.testing.jetstream import stream_messages
from kit.testing.nats import NatsServer
from kit.testing.plugin import identity_headers
from kit.testing.polling import wait_until

STREAM = "DIRECTORY"

Worker = Callable[[Runtime], Coroutine[Any, Any, None]]


class NoteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    parent_id: int | None = None
    then: str | None = None  # "conflict" or "crash": fail after writing


class NoteRead(BaseModel):
    id: int
    text: str
    event_id: str


@dataclass
class Sample:
    """The throwaway service and what tests look at."""

    app: FastAPI
    client: httpx.AsyncClient
    notes: sa.Table
    outbox: Outbox
    subject: str  # subject of the events its POST emits

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.app.state.runtime
        return runtime

    async def count(self, table: sa.Table) -> int:
        async with self.runtime.database.transaction(write=False) as session:
            query = sa.select(sa.func.count()).select_from(table)
            return int((await session.execute(query)).scalar_one())


def sample_service(
    database_url: str, nats_url: str, workers: Sequence[Worker] = ()
) -> tuple[FastAPI, sa.MetaData, sa.Table, Outbox, str]:
    metadata = sa.MetaData()
    sa.Table("parents", metadata, sa.Column("id", sa.Integer, primary_key=True))
    notes = sa.Table(
        "notes",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("text", sa.Text, nullable=False),
        # Checked at commit: a bad parent makes the commit itself fail.
        sa.Column(
            "parent_id",
            sa.Integer,
            sa.ForeignKey("parents.id", deferrable=True, initially="DEFERRED"),
        ),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    outbox = Outbox(metadata, source="/kit-test")
    inbox = Inbox(metadata)
    subject = f"directory.kittest{uuid.uuid4().hex[:8]}.note.created"

    router = APIRouter()

    @router.post("/notes", status_code=201)
    async def create_note(body: NoteCreate, session: DbSession) -> NoteRead:
        result = await session.execute(
            sa.insert(notes)
            .values(text=body.text, parent_id=body.parent_id, created_at=datetime.now(UTC))
            .returning(notes.c.id)
        )
        note_id = int(result.scalar_one())
        event = await outbox.emit(
            session, type=subject, subject=f"note/{note_id}", data={"text": body.text}
        )
        if body.then == "conflict":
            raise Conflict("changed my mind")
        if body.then == "crash":
            raise RuntimeError("handler crashed after writing")
        return NoteRead(id=note_id, text=body.text, event_id=event.id)

    @router.get("/notes/summary")
    async def summary(session: DbSession) -> Any:
        count = (await session.execute(sa.select(sa.func.count()).select_from(notes))).scalar()
        return {"count": count}

    @router.get("/notes")
    async def list_notes(session: DbSession) -> list[str]:
        rows = await session.execute(sa.select(notes.c.text).order_by(notes.c.id))
        return list(rows.scalars())

    settings = ServiceSettings(
        database_url=database_url,
        outbox_poll_seconds=30.0,  # long: only the after-commit wake-up can be quick
        max_body_bytes=10_000,
        common=CommonSettings(nats_url=nats_url),
    )
    spec = ServiceSpec(
        name="kit-test",
        title="Kit test",
        settings=settings,
        outbox=outbox,
        inbox=inbox,
        stream=STREAM,
        routers=[router],
        workers=workers,
    )
    app = create_service_app(spec)

    @app.get("/direct")
    async def declared_on_the_app() -> Any:
        return {"answer": 42}

    return app, metadata, notes, outbox, subject


@pytest.fixture
async def sample(database_url: str, nats_server: NatsServer) -> AsyncIterator[Sample]:
    app, metadata, notes, outbox, subject = sample_service(database_url, nats_server.url)
    async with LifespanManager(app):
        runtime: Runtime = app.state.runtime
        async with runtime.database.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        # 500s are rendered as problems; the server error middleware then re-raises for the
        # server to log, which an in-process transport must not turn into a client error.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield Sample(app, client, notes, outbox, subject)


@pytest.fixture(scope="session")
def member(identity_signer: IdentitySigner) -> dict[str, str]:
    return identity_headers(identity_signer, Role.MEMBER)


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    return body


async def test_a_write_commits_its_row_and_its_event(
    sample: Sample, member: dict[str, str]
) -> None:
    response = await sample.client.post("/notes", json={"text": "hello"}, headers=member)
    assert response.status_code == 201, response.text
    assert await sample.count(sample.notes) == 1
    assert await sample.count(sample.outbox.table) == 1
    listed = await sample.client.get("/notes", headers=member)
    assert listed.json() == ["hello"]


@pytest.mark.parametrize(("then", "status"), [("conflict", 409), ("crash", 500)])
async def test_a_failing_handler_leaves_nothing_half_written(
    sample: Sample, member: dict[str, str], then: str, status: int
) -> None:
    response = await sample.client.post(
        "/notes", json={"text": "doomed", "then": then}, headers=member
    )
    assert_problem(response, status)
    assert await sample.count(sample.notes) == 0
    assert await sample.count(sample.outbox.table) == 0


async def test_the_commit_happens_before_the_response(
    sample: Sample, member: dict[str, str]
) -> None:
    # The deferred foreign key fails only at COMMIT: if the response were sent before the
    # commit, the caller would read 201 for a note that does not exist.
    response = await sample.client.post(
        "/notes", json={"text": "orphan", "parent_id": 999}, headers=member
    )
    assert_problem(response, 500)
    assert await sample.count(sample.notes) == 0
    assert await sample.count(sample.outbox.table) == 0


async def test_a_500_problem_still_carries_the_request_id(
    sample: Sample, member: dict[str, str]
) -> None:
    response = await sample.client.post(
        "/notes",
        json={"text": "doomed", "then": "crash"},
        headers={**member, "X-Request-ID": "crash-1"},
    )
    body = assert_problem(response, 500)
    assert response.headers.get("x-request-id") == "crash-1"
    assert body.get("request_id") == "crash-1"


async def test_calls_without_identity_get_a_401_problem(sample: Sample) -> None:
    body = assert_problem(await sample.client.get("/notes"), 401)
    assert str(body["type"]).endswith("/unauthenticated")
    assert_problem(await sample.client.post("/notes", json={"text": "x"}), 401)
    assert await sample.count(sample.notes) == 0


async def test_health_needs_no_identity(sample: Sample) -> None:
    response = await sample.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_reports_the_database_and_nats(sample: Sample) -> None:
    async def ready() -> httpx.Response | None:
        response = await sample.client.get("/readyz")
        return response if response.status_code == 200 else None

    response = await wait_until(ready, what="readyz answers 200")  # NATS connects lazily
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "nats": "ok"}}


async def test_readiness_fails_fast_while_nats_is_frozen(database_url: str, tmp_path: Path) -> None:
    """A frozen broker keeps its socket open: readiness said ok while nothing answered."""
    with NatsServer(tmp_path / "nats") as broker:
        app = sample_service(database_url, broker.url)[0]
        async with LifespanManager(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://s") as client:

                async def ready() -> bool:
                    return (await client.get("/readyz")).status_code == 200

                await wait_until(ready, what="readyz answers 200")
                with broker.frozen():
                    started = time.monotonic()
                    frozen = await client.get("/readyz")
                    waited = time.monotonic() - started
                assert frozen.status_code == 503, frozen.text
                assert frozen.json()["checks"]["nats"].startswith("error: no answer within")
                assert frozen.json()["checks"]["database"] == "ok"
                assert waited < READY_TIMEOUT_SECONDS + 1.5
                await wait_until(ready, what="readyz answers 200 once NATS resumes")


async def test_untyped_handlers_answer_json(sample: Sample, member: dict[str, str]) -> None:
    # A handler without a response model goes through the app's default response class.
    response = await sample.client.get("/notes/summary", headers=member)
    assert response.status_code == 200, response.text
    assert response.json() == {"count": 0}
    response = await sample.client.get("/direct", headers=member)
    assert response.status_code == 200, response.text
    assert response.json() == {"answer": 42}


async def test_unknown_route_is_a_404_problem(sample: Sample, member: dict[str, str]) -> None:
    body = assert_problem(await sample.client.get("/nowhere", headers=member), 404)
    assert str(body["type"]).endswith("/not-found")


async def test_validation_error_is_a_422_with_field_paths(
    sample: Sample, member: dict[str, str]
) -> None:
    response = await sample.client.post(
        "/notes", json={"text": 3, "parent_id": "x", "colour": "red"}, headers=member
    )
    body = assert_problem(response, 422)
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert fields == {"text", "parent_id", "colour"}


async def test_body_over_the_limit_is_a_413_problem(sample: Sample, member: dict[str, str]) -> None:
    response = await sample.client.post("/notes", json={"text": "x" * 20_000}, headers=member)
    assert_problem(response, 413)
    assert await sample.count(sample.notes) == 0


async def test_the_event_is_published_right_after_commit(
    sample: Sample, member: dict[str, str]
) -> None:
    js = await sample.runtime.broker.connected()
    await wait_until(  # the relay's first pass is done once the stream exists
        lambda: _stream_exists(sample), what="relay ready"
    )
    response = await sample.client.post(
        "/notes", json={"text": "fast"}, headers={**member, "X-Request-ID": "req-fast"}
    )
    event_id = response.json()["event_id"]
    # The relay polls every 30 s; only the after-commit wake-up delivers within a second.
    messages = await wait_until(
        lambda: stream_messages(js, STREAM, sample.subject), within=1.0, what="event published"
    )
    assert [m.headers.get("Nats-Msg-Id") for m in messages if m.headers] == [event_id]
    event = CloudEvent.from_json(messages[0].data or b"")
    assert event.id == event_id
    assert event.data == {"text": "fast"}
    assert orjson.loads(messages[0].data or b"")["requestid"] == "req-fast"
    assert await wait_until(
        lambda: _published(sample, event_id), within=1.0, what="row marked published"
    )


async def _stream_exists(sample: Sample) -> bool:
    js = await sample.runtime.broker.connected()
    try:
        await js.stream_info(STREAM)
    except Exception:
        return False
    return True


async def _published(sample: Sample, event_id: str) -> bool:
    t = sample.outbox.table
    async with sample.runtime.database.transaction(write=False) as session:
        row = (
            await session.execute(sa.select(t.c.published_at).where(t.c.event_id == event_id))
        ).one()
    return row.published_at is not None


async def test_workers_run_with_the_app_and_stop_with_it(
    database_url: str, nats_server: NatsServer
) -> None:
    started: list[Runtime] = []
    stopped = asyncio.Event()

    async def sweeper(runtime: Runtime) -> None:
        started.append(runtime)
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    app, *_ = sample_service(database_url, nats_server.url, workers=[sweeper])
    async with LifespanManager(app):
        await wait_until(lambda: _truthy(started), what="worker started")
        assert started == [app.state.runtime]
        assert not stopped.is_set()
    assert stopped.is_set()


async def _truthy(value: object) -> bool:
    return bool(value)
