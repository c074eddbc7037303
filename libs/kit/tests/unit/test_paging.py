"""Cursor pagination: opaque cursors, forged ones refused, limits capped."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI

from kit.paging import (
    NUMBER,
    TEXT,
    TEXT_ID,
    TIME_ID,
    TIME_TEXT,
    Cursor,
    Page,
    PageParams,
    build_page,
    decode_cursor,
    encode_cursor,
    page_params,
)
from kit.problems import InvalidInput, install_problem_handlers
from kit.settings import ServiceSettings


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_cursor_round_trip_keeps_the_key() -> None:
    key = ["2024-05-01T10:00:00+00:00", "0b6c1f5e-0000-4000-8000-000000000001", 3]
    cursor = encode_cursor(key)
    assert "=" not in cursor
    assert decode_cursor(cursor, arity=3) == key


@pytest.mark.parametrize(
    "forged",
    [
        "!!!!",  # not base64
        b64(b"{not json"),  # not JSON
        b64(b'{"a": 1}'),  # not a list
        b64(b'["only-one"]'),  # wrong arity
        b64(b"[1, 2, 3]"),  # wrong arity
        "",  # empty
    ],
)
def test_forged_cursor_is_invalid_input(forged: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_cursor(forged, arity=2)
    assert raised.value.status == 422
    assert raised.value.errors == [
        {"field": "query.after", "message": "not a cursor returned by this API"}
    ]


MOMENT = datetime(2026, 10, 2, 8, 30, tzinfo=UTC)
RECORD = uuid.UUID("0b6c1f5e-0000-4000-8000-000000000001")


@pytest.mark.parametrize(
    ("cursor", "key"),
    [
        (NUMBER, 42),
        (TEXT, "echosciences"),
        (TIME_ID, (MOMENT, RECORD)),
        (TIME_TEXT, (MOMENT, "whe_abc")),
        (TEXT_ID, ("museum de toulouse", RECORD)),
    ],
)
def test_typed_cursors_give_back_the_typed_key(cursor: Cursor[Any], key: Any) -> None:
    assert cursor.decode(cursor.encode(key)) == key
    assert cursor.decode(None) is None
    assert cursor.decode("") is None


@pytest.mark.parametrize(
    ("cursor", "forged"),
    [
        (NUMBER, ["12"]),  # a string where the list gave a number
        (NUMBER, [True]),  # JSON true is no arrival number
        (TEXT, [3]),
        (TIME_ID, ["yesterday", str(RECORD)]),
        (TIME_ID, [MOMENT.isoformat(), "not-a-uuid"]),
        (TIME_TEXT, [MOMENT.isoformat(), None]),
        (TEXT_ID, ["a", 1]),
        (TIME_ID, [MOMENT.isoformat()]),  # another list's cursor: wrong arity
    ],
)
def test_a_cursor_of_the_wrong_shape_is_one_422_naming_after(
    cursor: Cursor[Any], forged: list[Any]
) -> None:
    with pytest.raises(InvalidInput) as raised:
        cursor.decode(encode_cursor(forged))
    assert raised.value.errors == [
        {"field": "query.after", "message": "not a cursor returned by this API"}
    ]


def test_a_typed_page_points_at_the_next_one() -> None:
    items, cursor = NUMBER.page(list(range(1, 12)), PageParams(limit=10), key=lambda n: n)

    assert items == list(range(1, 11))
    assert cursor is not None
    assert NUMBER.decode(cursor) == 10
    assert NUMBER.page([1, 2], PageParams(limit=10), key=lambda n: n) == ([1, 2], None)


def test_build_page_cuts_and_points_at_the_next_page() -> None:
    rows = list(range(1, 12))  # fetched with limit + 1
    items, cursor = build_page(rows, PageParams(limit=10), key=lambda n: [n])
    assert items == list(range(1, 11))
    assert cursor is not None
    assert decode_cursor(cursor, arity=1) == [10]


def test_build_page_has_no_next_on_the_last_page() -> None:
    assert build_page([1, 2], PageParams(limit=10), key=lambda n: [n]) == ([1, 2], None)
    assert build_page([], PageParams(limit=10), key=lambda n: [n]) == ([], None)


NUMBERS = list(range(1, 26))


def paging_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.settings = ServiceSettings(page_size_default=4, page_size_max=10)

    @app.get("/numbers")
    async def numbers(params: Annotated[PageParams, Depends(page_params)]) -> Page[int]:
        start = decode_cursor(params.after, arity=1)[0] if params.after else 0
        rows = [n for n in NUMBERS if n > start][: params.limit + 1]
        items, cursor = build_page(rows, params, key=lambda n: [n])
        return Page[int](items=items, next=cursor)

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=paging_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_walking_the_cursor_visits_every_item_once(client: httpx.AsyncClient) -> None:
    seen: list[int] = []
    params: dict[str, Any] = {"limit": 7}
    pages = 0
    while True:
        body = (await client.get("/numbers", params=params)).json()
        seen.extend(body["items"])
        pages += 1
        if body["next"] is None:
            break
        params["after"] = body["next"]
    assert seen == NUMBERS
    assert pages == 4


async def test_default_limit_comes_from_settings(client: httpx.AsyncClient) -> None:
    assert (await client.get("/numbers")).json()["items"] == [1, 2, 3, 4]


async def test_a_limit_above_the_maximum_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/numbers", params={"limit": 10_000})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "query.limit", "message": "at most 10"}]
    assert len((await client.get("/numbers", params={"limit": 10})).json()["items"]) == 10


@pytest.mark.parametrize("limit", ["0", "-1", "ten"])
async def test_bad_limit_is_a_422_on_query_limit(client: httpx.AsyncClient, limit: str) -> None:
    response = await client.get("/numbers", params={"limit": limit})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.limit"]


async def test_forged_cursor_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/numbers", params={"after": "bm90LWEtY3Vyc29y"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "query.after", "message": "not a cursor returned by this API"}
    ]


async def test_oversized_cursor_is_a_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/numbers", params={"after": "A" * 600})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.after"]
