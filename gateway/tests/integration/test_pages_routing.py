"""Pages under /p/ reach their service as the API does: no key, identity still signed."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest

from kit.mail.tokens import UnsubscribeTokens

from .conftest import Stack


def token(service: str) -> str:
    return UnsubscribeTokens("a secret", service=service).sign("ada@example.org", "reminder")


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/p/registrations/tok-123", "events"),
        (f"/p/unsubscribe/{token('events')}", "events"),
        (f"/p/unsubscribe/{token('eu_watch')}", "eu-watch"),
    ],
)
async def test_a_page_reaches_its_service_without_a_key(
    client: httpx.AsyncClient, path: str, service: str
) -> None:
    response = await client.get(path, params={"lang": "en"})

    assert response.status_code == 200
    echoed = response.json()
    assert echoed["service"] == service
    assert echoed["path"] == path
    assert echoed["query"] == "lang=en"
    # The service verified a gateway-signed identity (its middleware refuses any other).
    assert echoed["role"] == "anonymous"


async def test_a_page_form_posts_without_a_key_with_its_cookies(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/p/registrations/tok-123",
        data={"csrf_token": "t"},
        headers={"cookie": "maillage_csrf=c1; maillage_lang=en"},
    )

    assert response.status_code == 200
    echoed = response.json()
    assert echoed["method"] == "POST"
    assert echoed["role"] == "anonymous"
    assert echoed["headers"]["cookie"] == "maillage_csrf=c1; maillage_lang=en"


async def test_a_page_of_a_service_that_is_down_is_a_503_page(
    stack: Stack, another_gateway: Callable[..., AbstractAsyncContextManager[str]]
) -> None:
    async with (
        another_gateway(
            events_url=stack.surveys_url,  # nothing listens there
            circuit_failure_threshold=1,
        ) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as http,
    ):
        unreachable = await http.get("/p/registrations/tok")
        down = await http.get("/p/registrations/tok")
        api = await http.get("/v1/events/e1")

    assert unreachable.status_code == 502
    assert "Service momentanément indisponible" in unreachable.text
    assert down.status_code == 503
    assert down.headers["content-type"].startswith("text/html")
    assert down.headers["retry-after"]
    assert '<html lang="fr">' in down.text
    assert api.headers["content-type"] == "application/problem+json", "the API stays JSON"


async def test_unknown_pages_are_a_404_page_of_the_gateway(client: httpx.AsyncClient) -> None:
    for path in ("/p/nothing", f"/p/unsubscribe/{token('nobody')}", "/p/unsubscribe/plain"):
        response = await client.get(path)

        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "Page introuvable" in response.text
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_shared_stylesheet_is_served_by_the_gateway(client: httpx.AsyncClient) -> None:
    page = await client.get("/p/nothing")
    match = re.search(r'href="(/p/static/maillage\.css\?v=\w+)"', page.text)
    assert match

    sheet = await client.get(match.group(1))

    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("text/css")
    assert sheet.headers["x-content-type-options"] == "nosniff"


async def test_pages_are_rate_limited_like_the_api(
    stack: Stack, another_gateway: Callable[..., AbstractAsyncContextManager[str]]
) -> None:
    async with (
        another_gateway(
            events_url=stack.events_url, rate_limit_ip_per_minute=6, rate_limit_ip_burst=2
        ) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as http,
    ):
        answers = [(await http.get("/p/registrations/tok")).status_code for _ in range(3)]

        refused = await http.get("/p/registrations/tok", headers={"accept-language": "en"})

    assert answers[:2] == [200, 200]
    assert answers[2] == 429
    # A person who follows a link meets a page in their language, not a JSON document.
    assert refused.headers["content-type"].startswith("text/html")
    assert "Too many requests" in refused.text
    assert refused.headers["retry-after"]
    assert refused.headers["x-request-id"]
    assert "default-src 'none'" in refused.headers["content-security-policy"]
