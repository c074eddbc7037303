"""Problem details: field paths, the document shape, and every error rendered as problem+json."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy.exc
from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict

from kit.logs import request_id_var
from kit.problems import (
    PROBLEM_BASE,
    PROBLEM_MEDIA_TYPE,
    Conflict,
    InvalidInput,
    NotFound,
    field_path,
    install_problem_handlers,
    problem_body,
    status_problem,
)


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("body", "name"), "name"),
        (("body", "address", "postcode"), "address.postcode"),
        (("body", "tags", 2), "tags[2]"),
        (("body", "contacts", 0, "email"), "contacts[0].email"),
        (("body",), "body"),
        ((), "body"),
        (("query", "limit"), "query.limit"),
        (("path", "actor_id"), "path.actor_id"),
        (("header", "if-match"), "header.if-match"),
    ],
)
def test_field_path_reads_as_a_json_path(loc: tuple[str | int, ...], expected: str) -> None:
    assert field_path(loc) == expected


def test_problem_body_has_rfc9457_members_and_the_request_id() -> None:
    token = request_id_var.set("req-42")
    try:
        body = problem_body(
            status=409, slug="conflict", title="Conflict", detail="taken", instance="/x", hint=None
        )
    finally:
        request_id_var.reset(token)
    assert body == {
        "type": PROBLEM_BASE + "conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "taken",
        "instance": "/x",
        "request_id": "req-42",
    }


def test_unknown_status_still_gets_a_slug() -> None:
    assert status_problem(404) == ("not-found", "Not found")
    assert status_problem(418) == ("http-error", "HTTP error")


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid")
    postcode: str
    city: str


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    address: Address
    tags: list[int] = []


class ActorMissing(NotFound):
    slug, title = "actor-not-found", "Actor not found"


def problem_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/people", status_code=201)
    async def create(person: Person, dry_run: bool = Query(default=False)) -> Person:
        return person

    @app.get("/actors/{actor_id}")
    async def read(actor_id: int) -> dict[str, int]:
        raise ActorMissing(f"No actor {actor_id}", actor_id=actor_id)

    @app.post("/conflict")
    async def conflict() -> None:
        raise Conflict("already there", headers={"Retry-After": "3"})

    @app.post("/rule")
    async def rule() -> None:
        raise InvalidInput("ends_at", "must be after starts_at")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/pool-exhausted")
    async def pool_exhausted() -> None:
        raise sqlalchemy.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=problem_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, object]:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body: dict[str, object] = response.json()
    assert body["type"] == PROBLEM_BASE + slug
    assert body["status"] == status
    assert isinstance(body["title"], str)
    return body


async def test_validation_error_lists_field_paths(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/people?dry_run=maybe",
        json={"name": "Ada", "address": {"city": "Lyon", "zip": "x"}, "tags": [1, "two"]},
    )
    body = assert_problem(response, 422, "validation")
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert fields == {"address.postcode", "address.zip", "tags[1]", "query.dry_run"}
    assert body["instance"] == "/people"
    assert "address.postcode" in str(body["detail"])


async def test_missing_body_is_a_validation_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post("/people"), 422, "validation")
    assert body["errors"] == [{"field": "body", "message": "Field required"}]


async def test_malformed_json_is_a_validation_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/people", content=b"{not json", headers={"content-type": "application/json"}
    )
    body = assert_problem(response, 422, "validation")
    # The body is at fault, not a list item "[1]" (pydantic's loc holds the character).
    assert body["errors"] == [  # type: ignore[comparison-overlap]
        {"field": "body", "message": "JSON decode error"}
    ]


async def test_path_parameter_error_names_its_location(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/actors/abc"), 422, "validation")
    assert [e["field"] for e in body["errors"]] == ["path.actor_id"]  # type: ignore[attr-defined]


async def test_domain_error_carries_its_type_detail_and_extensions(
    client: httpx.AsyncClient,
) -> None:
    body = assert_problem(await client.get("/actors/7"), 404, "actor-not-found")
    assert body["title"] == "Actor not found"
    assert body["detail"] == "No actor 7"
    assert body["actor_id"] == 7
    assert body["instance"] == "/actors/7"


async def test_domain_error_headers_reach_the_response(client: httpx.AsyncClient) -> None:
    response = await client.post("/conflict")
    assert_problem(response, 409, "conflict")
    assert response.headers["retry-after"] == "3"


async def test_invalid_input_has_one_field_error(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.post("/rule"), 422, "validation")
    assert body["errors"] == [{"field": "ends_at", "message": "must be after starts_at"}]


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/nowhere"), 404, "not-found")
    assert body["detail"] == "No route or resource at /nowhere"


async def test_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/people")
    assert_problem(response, 405, "method-not-allowed")
    assert "POST" in response.headers["allow"]


async def test_an_exhausted_database_pool_is_a_503_to_retry_not_a_500(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/pool-exhausted")
    body = assert_problem(response, 503, "service-unavailable")
    assert response.headers["retry-after"] == "5"
    assert "QueuePool" not in str(body)


async def test_unexpected_error_is_a_500_problem_without_internals(
    client: httpx.AsyncClient,
) -> None:
    body = assert_problem(await client.get("/boom"), 500, "internal")
    assert "secret internals" not in str(body)
