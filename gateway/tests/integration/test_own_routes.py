"""What the gateway answers itself: health, readiness, the merged OpenAPI and its docs."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

PROBLEM = "application/problem+json"


async def test_healthz_says_alive(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"x-request-id": "probe-1"})

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"] == "probe-1"


async def test_readyz_is_503_while_a_service_is_down(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM
    services = response.json()["services"]
    assert services["directory"] == "ok"
    assert services["events"] == "ok"
    assert services["eu-watch"] == "ok"
    assert services["surveys"].startswith("unreachable")


async def test_readyz_is_200_when_every_service_is_ready(
    stack: Any, another_gateway: Callable[..., AbstractAsyncContextManager[str]]
) -> None:
    async with (
        another_gateway(
            directory_url=stack.directory_url,
            events_url=stack.events_url,
            surveys_url=stack.directory_url,  # any ready service will do
            eu_watch_url=stack.eu_watch_url,
        ) as url,
        httpx.AsyncClient() as http,
    ):
        response = await http.get(f"{url}/readyz")

    assert response.status_code == 200
    assert set(response.json()["services"].values()) == {"ok"}


async def test_merged_openapi_holds_the_paths_of_every_reachable_service(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()

    paths = document["paths"]
    assert "get" in paths["/v1/actors/{actor_id}"]
    assert "post" in paths["/v1/actors"]
    assert "get" in paths["/v1/events/{event_id}"]
    assert "get" in paths["/v1/calls/{call_id}"]
    assert "/healthz" in paths
    assert "/readyz" in paths
    # Services' own health checks are not public paths; the surveys service is down.
    assert all(path.startswith(("/v1/", "/healthz", "/readyz")) for path in paths)
    assert document["x-missing-services"] == ["surveys"]
    assert "surveys" in document["info"]["description"]
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_merged_openapi_shares_identical_schemas_and_separates_conflicting_ones(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]

    # "Place" means the same in both services: one schema.
    assert "Place" in schemas
    assert not any(name.endswith("Place") and name != "Place" for name in schemas)
    # "Item" means different things: the second service's one is renamed, refs follow.
    assert set(schemas["Item"]["properties"]) == {"id", "place"}
    assert set(schemas["EventsItem"]["properties"]) == {"title", "starts_at", "place"}
    event = document["paths"]["/v1/events/{event_id}"]["get"]
    ref = event["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/EventsItem"


async def test_docs_serve_swagger_ui_on_the_merged_document(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")

    assert response.status_code == 200
    assert "swagger-ui" in response.text
    start_up = await client.get("/docs/init.js")
    assert '"/openapi.json"' in start_up.text
