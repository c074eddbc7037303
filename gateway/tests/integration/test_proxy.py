"""The proxy as a caller sees it, against real fake services over real sockets."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from kit.identity import Identity, IdentitySigner, Role
from kit.settings import DEV_IDENTITY_SECRET

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/v1/actors/a1", "directory"),
        ("/v1/calls/c1", "eu-watch"),
    ],
)
async def test_each_segment_reaches_its_service(
    client: httpx.AsyncClient, path: str, service: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    assert response.json()["service"] == service
    assert response.json()["path"] == path


async def test_path_with_extension_goes_to_the_collection_owner(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/events.ics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "X-ROLE:anonymous" in response.text


async def test_query_string_and_encoded_path_are_relayed_unchanged(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/actors", params={"q": "Muséum de Toulouse", "limit": 2})

    assert response.json()["query"] == "q=Mus%C3%A9um+de+Toulouse&limit=2"


async def test_unknown_segment_is_a_404_problem(client: httpx.AsyncClient) -> None:
    for path in ("/v1/nothing-here", "/v1/webhooks", "/elsewhere"):
        response = await client.get(path)

        assert response.status_code == 404, path
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["status"] == 404


async def test_status_and_headers_come_back_as_the_service_sent_them(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    created = await client.post("/v1/actors", json={"name": "Muséum de Toulouse"}, headers=admin)
    deleted = await client.delete("/v1/actors/a1", headers=admin)
    missing = await client.get("/v1/actors/missing")

    assert created.status_code == 201
    assert created.headers["location"] == "/v1/actors/a1"
    assert created.headers["etag"] == '"1"'
    # Header bytes are relayed as they are, even outside ASCII.
    assert dict(created.headers.raw)[b"x-upstream-note"] == "créé".encode("latin-1")
    assert created.json()["body"] == {"name": "Muséum de Toulouse"}
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    assert missing.json()["detail"] == "No actor missing."


async def test_hop_by_hop_headers_are_not_relayed(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/v1/actors/a1",
        headers={"connection": "keep-alive, x-private-hop", "x-private-hop": "1", "te": "x"},
    )

    seen = response.json()["headers"]
    assert "x-private-hop" not in seen
    assert "te" not in seen
    assert seen.get("connection", "keep-alive") == "keep-alive"


async def test_large_download_streams_through(
    client: httpx.AsyncClient, payload: Callable[[int], bytes]
) -> None:
    size = 12 * 1024 * 1024 + 7
    digest, count = hashlib.sha256(), 0
    async with client.stream("GET", "/v1/resources/download", params={"size": size}) as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers
        async for chunk in response.aiter_raw():
            digest.update(chunk)
            count += len(chunk)

    assert count == size
    assert digest.hexdigest() == hashlib.sha256(payload(size)).hexdigest()


async def test_content_length_of_a_large_answer_is_kept(
    client: httpx.AsyncClient, payload: Callable[[int], bytes]
) -> None:
    size = 3 * 1024 * 1024
    response = await client.get("/v1/resources/download", params={"size": size, "whole": True})

    assert response.headers["content-length"] == str(size)
    assert response.content == payload(size)


async def test_large_upload_streams_through(
    client: httpx.AsyncClient, admin: dict[str, str], payload: Callable[[int], bytes]
) -> None:
    size = 3 * 1024 * 1024 + 11
    body = payload(size)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, size, 256 * 1024):
            yield body[start : start + 256 * 1024]

    chunked = await client.post("/v1/imports", content=chunks(), headers=admin)
    sized = await client.post("/v1/imports", content=body, headers=admin)

    assert chunked.status_code == 200
    assert chunked.json()["bytes"] == size
    assert chunked.json()["sha256"] == hashlib.sha256(body).hexdigest()
    assert sized.json()["sha256"] == hashlib.sha256(body).hexdigest()
    # A declared length reaches the service as such, not as a chunked body.
    assert sized.json()["content_length"] == str(size)
    assert sized.json()["transfer_encoding"] is None


async def test_oversized_body_is_refused_with_413(
    client: httpx.AsyncClient, admin: dict[str, str], stack: Any
) -> None:
    limit = stack.max_body_bytes
    declared = await client.post("/v1/actors", content=b"x" * (limit + 1), headers=admin)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"x" * limit
        yield b"y"

    streamed = await client.post("/v1/actors", content=chunks(), headers=admin)

    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["limit_bytes"] == limit

    # Spreadsheet uploads have their own, larger limit.
    upload = await client.post("/v1/imports", content=b"x" * (limit + 1), headers=admin)
    assert upload.status_code != 413


@pytest.mark.parametrize("path", ["/v1/api-keys", "/v1/webhooks/endpoints", "/v1/partners/x/inbox"])
async def test_oversized_body_on_the_gateways_own_routes_is_a_413_problem(
    client: httpx.AsyncClient, admin: dict[str, str], stack: Any, path: str
) -> None:
    # Well over the limit: the caller is still uploading when the answer comes, and must
    # read it rather than see the connection reset.
    response = await client.post(path, content=b"x" * (stack.max_body_bytes * 2), headers=admin)

    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["limit_bytes"] == stack.max_body_bytes


async def test_unreachable_service_is_a_502_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/surveys/s1", headers={"x-request-id": "down-1"})

    assert response.status_code == 502
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["service"] == "surveys"
    assert response.json()["request_id"] == "down-1"


async def test_slow_service_is_a_504_problem(client: httpx.AsyncClient, stack: Any) -> None:
    started = time.monotonic()
    response = await client.get("/v1/calls/slow")
    elapsed = time.monotonic() - started

    assert response.status_code == 504
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["service"] == "eu-watch"
    assert stack.upstream_timeout_seconds <= elapsed < stack.upstream_timeout_seconds + 2


async def test_request_id_is_echoed_and_forwarded(client: httpx.AsyncClient) -> None:
    given = await client.get("/v1/actors/a1", headers={"x-request-id": "trace-42"})
    generated = await client.get("/v1/actors/a1")

    assert given.headers["x-request-id"] == "trace-42"
    assert given.json()["request_id"] == "trace-42"
    assert len(generated.headers["x-request-id"]) >= 16
    assert generated.json()["request_id"] == generated.headers["x-request-id"]


async def test_anonymous_caller_may_read(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/actors/a1")

    assert response.status_code == 200
    assert response.json()["role"] == "anonymous"


async def test_anonymous_caller_may_not_write(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/actors", json={"name": "X"})

    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("path", "status"),
    [("/v1/events/e1/registrations", 201), ("/v1/registrations/tok-123/cancel", 200)],
)
async def test_anonymous_caller_may_register_and_cancel(
    client: httpx.AsyncClient, path: str, status: int
) -> None:
    response = await client.post(path, json={"name": "Ada", "email": "ada@example.org"})

    assert response.status_code == status
    assert response.json()["role"] == "anonymous"
    assert response.json()["path"] == path


@pytest.mark.parametrize(
    "path",
    [
        "/v1/events/e1",
        "/v1/events/e1/registrations/r1",
        "/v1/events/e1/x/registrations",
        "/v1/registrations/tok/cancel/again",
        "/v1/registrations",
    ],
)
async def test_other_anonymous_writes_near_the_public_ones_are_refused(
    client: httpx.AsyncClient, path: str
) -> None:
    assert (await client.post(path, json={})).status_code == 401
    assert (await client.put("/v1/events/e1/registrations", json={})).status_code == 401


@pytest.mark.parametrize("authorization", ["Bearer wrong-key", "Basic YWRtaW46YWRtaW4=", "Bearer"])
async def test_bad_credentials_are_refused_even_for_reads(
    client: httpx.AsyncClient, authorization: str
) -> None:
    read = await client.get("/v1/actors/a1", headers={"authorization": authorization})
    write = await client.post("/v1/actors", json={}, headers={"authorization": authorization})

    assert read.status_code == 401
    assert write.status_code == 401
    assert read.headers["content-type"] == PROBLEM


async def test_admin_key_writes_as_admin_and_the_key_stays_at_the_gateway(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    response = await client.post("/v1/actors", json={"name": "Quai des Savoirs"}, headers=admin)

    assert response.status_code == 201
    assert response.json()["role"] == "admin"
    assert "authorization" not in response.json()["headers"]


async def test_forged_identity_header_is_replaced(client: httpx.AsyncClient) -> None:
    # Even a token signed with the real secret is ignored when it comes from outside.
    forged = IdentitySigner(DEV_IDENTITY_SECRET).sign(Identity(subject="me", role=Role.ADMIN))

    anonymous = await client.get("/v1/actors/a1", headers={"x-maillage-identity": forged})
    refused = await client.post("/v1/actors", json={}, headers={"x-maillage-identity": forged})

    assert anonymous.json()["role"] == "anonymous"
    assert anonymous.json()["headers"]["x-maillage-identity"] != forged
    assert refused.status_code == 401


async def test_services_refuse_calls_that_skip_the_gateway(stack: Any) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{stack.directory_url}/v1/actors/a1")

    assert response.status_code == 401


async def test_head_answers_like_the_service_without_a_body(
    client: httpx.AsyncClient, stack: Any
) -> None:
    async with httpx.AsyncClient() as http:
        direct = await http.head(f"{stack.events_url}/v1/events.ics", headers=_reader(stack))
    response = await client.head("/v1/events.ics")

    assert direct.status_code == 200
    assert response.status_code == 200
    assert response.headers.get("content-length") == direct.headers.get("content-length")
    assert response.content == b""


def _reader(stack: Any) -> dict[str, str]:
    token = IdentitySigner(DEV_IDENTITY_SECRET).sign(Identity(subject="t", role=Role.ANONYMOUS))
    return {"x-maillage-identity": token}


async def test_service_learns_who_called_through_forwarded_headers(
    client: httpx.AsyncClient, stack: Any
) -> None:
    response = await client.get("/v1/actors/a1")

    seen = response.json()["headers"]
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert seen["x-forwarded-proto"] == "http"
    assert seen["x-forwarded-host"] == stack.gateway_url.removeprefix("http://")


async def test_a_caller_leaving_a_download_stops_it_at_the_service(
    client: httpx.AsyncClient, stack: Any
) -> None:
    async with client.stream("GET", "/v1/resources/endless") as response:
        assert response.status_code == 200
        async for _ in response.aiter_raw():
            break  # the caller has seen enough and hangs up

    await asyncio.wait_for(stack.endless_stopped.wait(), timeout=10)
