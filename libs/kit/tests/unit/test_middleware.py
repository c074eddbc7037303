"""Request ids (accepted, generated, echoed) and body limits (declared and streamed)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from kit.logs import request_id_var
from kit.middleware import BodyLimitMiddleware, RequestIdMiddleware
from kit.problems import PROBLEM_MEDIA_TYPE, NotFound, install_problem_handlers

LIMIT = 1000


class Note(BaseModel):
    text: str


def limited_app() -> tuple[FastAPI, list[str]]:
    app = FastAPI()
    install_problem_handlers(app)
    reached: list[str] = []

    @app.get("/whoami")
    async def whoami(request: Request) -> dict[str, str | None]:
        return {"context": request_id_var.get(), "state": request.state.request_id}

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound("nothing here")

    @app.post("/notes")
    async def create_note(note: Note) -> dict[str, int]:
        reached.append("notes")
        return {"length": len(note.text)}

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        reached.append("upload")
        return {"size": size}

    app.add_middleware(BodyLimitMiddleware, max_bytes=LIMIT)
    app.add_middleware(RequestIdMiddleware)
    return app, reached


@pytest.fixture
def app_and_calls() -> tuple[FastAPI, list[str]]:
    return limited_app()


@pytest.fixture
async def client(app_and_calls: tuple[FastAPI, list[str]]) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_and_calls[0])
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_a_sane_request_id_is_accepted_and_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/whoami", headers={"X-Request-ID": "abc-123:7.x_y"})
    assert response.headers["x-request-id"] == "abc-123:7.x_y"
    assert response.json() == {"context": "abc-123:7.x_y", "state": "abc-123:7.x_y"}


async def test_a_missing_request_id_is_generated(client: httpx.AsyncClient) -> None:
    first = await client.get("/whoami")
    second = await client.get("/whoami")
    generated = first.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert first.json()["context"] == generated
    assert second.headers["x-request-id"] != generated


@pytest.mark.parametrize("bad", ["has space", "x" * 129, "semi;colon", ""])
async def test_an_insane_request_id_is_replaced(client: httpx.AsyncClient, bad: str) -> None:
    response = await client.get("/whoami", headers={"X-Request-ID": bad})
    assert response.headers["x-request-id"] != bad
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_request_id_is_echoed_once_and_put_in_problems(client: httpx.AsyncClient) -> None:
    response = await client.get("/missing", headers={"X-Request-ID": "trace-9"})
    assert response.headers.get_list("x-request-id") == ["trace-9"]
    assert response.json()["request_id"] == "trace-9"


async def test_request_id_does_not_leak_out_of_the_request(client: httpx.AsyncClient) -> None:
    await client.get("/whoami", headers={"X-Request-ID": "trace-10"})
    assert request_id_var.get() is None


async def test_body_within_the_limit_passes(client: httpx.AsyncClient) -> None:
    response = await client.post("/notes", json={"text": "x" * (LIMIT - 20)})
    assert response.status_code == 200


async def test_declared_length_over_the_limit_is_refused_unread(
    client: httpx.AsyncClient, app_and_calls: tuple[FastAPI, list[str]]
) -> None:
    response = await client.post(
        "/notes", json={"text": "x" * LIMIT}, headers={"X-Request-ID": "big-1"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["x-request-id"] == "big-1"
    body = response.json()
    assert body["type"].endswith("/payload-too-large")
    assert body["limit_bytes"] == LIMIT
    assert body["request_id"] == "big-1"
    assert app_and_calls[1] == []


async def chunks(total: int, size: int = 100) -> AsyncIterator[bytes]:
    for _ in range(total // size):
        yield b"x" * size


@pytest.mark.parametrize("path", ["/notes", "/upload"])
async def test_streamed_body_over_the_limit_is_refused(
    client: httpx.AsyncClient, app_and_calls: tuple[FastAPI, list[str]], path: str
) -> None:
    # No Content-Length: the body arrives in chunks and the limit trips while reading it,
    # whether FastAPI parses the body or the handler streams it.
    response = await client.post(
        path, content=chunks(3 * LIMIT), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"].endswith("/payload-too-large")
    assert app_and_calls[1] == []


async def test_streamed_body_within_the_limit_passes(client: httpx.AsyncClient) -> None:
    response = await client.post("/upload", content=chunks(LIMIT))
    assert response.status_code == 200
    assert response.json() == {"size": LIMIT}


async def test_a_path_prefix_can_have_its_own_limit() -> None:
    app = FastAPI()

    @app.post("/uploads/sheet")
    async def sheet(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.post("/notes")
    async def notes(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    app.add_middleware(BodyLimitMiddleware, max_bytes=LIMIT, overrides={"/uploads/": 5 * LIMIT})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        big = b"x" * (3 * LIMIT)
        assert (await client.post("/uploads/sheet", content=big)).json() == {"size": 3 * LIMIT}
        assert (await client.post("/uploads/sheet", content=chunks(3 * LIMIT))).status_code == 200
        assert (await client.post("/notes", content=big)).status_code == 413
        assert (await client.post("/notes", content=chunks(3 * LIMIT))).status_code == 413
        too_big = await client.post("/uploads/sheet", content=chunks(6 * LIMIT))
        assert too_big.status_code == 413
        assert str(5 * LIMIT) in too_big.text
