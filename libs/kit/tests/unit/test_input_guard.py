"""Input that cannot be stored is a 422 naming the field, before any route runs."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import Body, FastAPI

from kit.input_guard import InputGuard, json_input_problem
from kit.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"audience": {"circle": [1, 2**63]}}, "audience.circle[1]"),
        ({"audience": {"min": -(2**63) - 1}}, "audience.min"),
        ({"title": "a\x00b"}, "title"),
        ({"title": "\ud800"}, "title"),
        ({"data": {"k\x00": 1}}, "data"),
        ({"audience": nested(300)}, "audience" + ".a" * 31),
    ],
)
def test_what_cannot_be_stored_is_named(document: Any, field: str) -> None:
    problem = json_input_problem(document)
    assert problem is not None
    assert problem[0] == field


def test_what_can_be_stored_passes() -> None:
    ok = {"n": [2**63 - 1, -(2**63), 1.5, True, None], "t": "é\t\n😀", "d": nested(31)}
    assert json_input_problem(ok) is None


@pytest.fixture
def app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/echo")
    async def echo(body: Annotated[dict[str, Any], Body()]) -> Any:
        return body

    app.add_middleware(InputGuard)
    return app


async def test_a_bad_body_is_refused_and_a_good_one_reaches_the_route_unchanged(
    app: FastAPI,
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        headers = {"content-type": "application/json"}
        for raw, field in (
            (b'{"survey": {"audience": {"x": 100000000000000000000000}}}', "survey.audience.x"),
            (b'{"name": "\\ud83d"}', "name"),
            (b'{"name": "a\\u0000"}', "name"),
            (b'{"n": NaN}', "body"),
            (b"[" * 5000 + b"]" * 5000, "body"),
        ):
            refused = await client.post("/echo", content=raw, headers=headers)
            assert refused.status_code == 422, raw[:40]
            assert refused.headers["content-type"] == PROBLEM_MEDIA_TYPE
            assert refused.json()["errors"][0]["field"] == field
        good = b'{"name": "\\ud83d\\ude00", "n": 9223372036854775807}'
        passed = await client.post("/echo", content=good, headers=headers)
        assert passed.json() == {"name": "😀", "n": 2**63 - 1}
        nul = await client.post("/echo?q=caf%C3%A9%00", content=good, headers=headers)
        assert nul.status_code == 422
        assert nul.json()["errors"][0]["field"] == "query.q"
        broken = await client.post("/echo", content=b"{", headers=headers)
        assert broken.status_code == 422  # FastAPI's own answer to JSON it cannot read
