"""A query parameter no route declares is a 422 naming it, with the closest known name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI, Query
from pydantic import BaseModel

from kit.identity import AuthenticatedIdentity
from kit.paging import PageParams, page_params
from kit.problems import install_problem_handlers
from kit.query import refuse_unknown_query_parameters
from kit.settings import ServiceSettings


class Around(BaseModel):
    near: str | None = None
    radius_km: float | None = None


async def type_filter(type: Annotated[list[str] | None, Query()] = None) -> list[str]:
    return type or []


def strict_app() -> FastAPI:
    app = FastAPI(dependencies=[Depends(refuse_unknown_query_parameters)])
    install_problem_handlers(app)
    app.state.settings = ServiceSettings()

    @app.get("/v1/actors")
    async def actors(
        paging: Annotated[PageParams, Depends(page_params)],
        types: Annotated[list[str], Depends(type_filter)],
        around: Annotated[Around, Query()],
        q: str | None = None,
    ) -> dict[str, object]:
        return {"types": types, "limit": paging.limit}

    @app.get("/v1/vocabularies")
    async def vocabularies() -> dict[str, str]:
        return {}

    @app.post("/v1/actors")
    async def create(identity: AuthenticatedIdentity) -> dict[str, str]:
        return {}

    @app.get("/p/page")
    async def page() -> dict[str, str]:
        return {}

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=strict_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_declared_parameters_through_dependencies_and_models_pass(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/v1/actors",
        params={"type": "museum", "limit": 3, "after": "", "q": "x", "near": "1,2", "radius_km": 3},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"types": ["museum"], "limit": 3}


async def test_a_misspelt_parameter_is_a_422_with_the_closest_name(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/actors", params={"typ": "museum", "limitt": 2})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {"field": "query.typ", "message": "unknown query parameter; did you mean `type`?"},
        {"field": "query.limitt", "message": "unknown query parameter; did you mean `limit`?"},
    ]


async def test_a_route_without_parameters_says_so(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/vocabularies", params={"lang": "fr"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"].endswith("this operation takes none")


async def test_pages_are_left_alone(client: httpx.AsyncClient) -> None:
    assert (await client.get("/p/page", params={"lang": "en"})).status_code == 200


async def test_who_may_call_is_answered_before_what_was_sent(client: httpx.AsyncClient) -> None:
    # Anonymous on a route that needs a key: the 401, not the unknown parameter.
    assert (await client.post("/v1/actors", params={"token": "x"})).status_code == 401
