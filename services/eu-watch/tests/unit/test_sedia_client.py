"""The portal client against the local fake, in process: multipart JSON parts, pages,
retries with backoff, Retry-After, a page that keeps failing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from eu_watch.sedia.client import SediaClient, facet_url_of, retry_after_seconds
from eu_watch.sedia.errors import PortalUnavailable
from eu_watch.testing.fake_portal import SEARCH_PATH, FakePortal, portal_topic

URL = f"http://portal.test{SEARCH_PATH}"


@pytest.fixture
async def portal() -> FakePortal:
    fake = FakePortal()
    fake.reset(portal_topic(f"HORIZON-TEST-{n:03d}", title=f"Topic {n}") for n in range(7))
    return fake


@pytest.fixture
async def http(portal: FakePortal) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=portal.app())) as client:
        yield client


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client_of(http: httpx.AsyncClient, sleeps: Sleeps, **options: float) -> SediaClient:
    return SediaClient(
        http,
        search_url=URL,
        page_size=3,
        backoff_seconds=options.get("backoff", 0.5),
        max_attempts=int(options.get("attempts", 4)),
        max_retry_after_seconds=options.get("cap", 300),
        sleep=sleeps,
    )


async def test_walks_every_page_with_json_parts(http: httpx.AsyncClient) -> None:
    sleeps = Sleeps()
    pages = [page async for page in client_of(http, sleeps).pages()]
    assert [p.number for p in pages] == [1, 2, 3]
    assert [len(p.results) for p in pages] == [3, 3, 1]
    assert {p.total for p in pages} == {7}
    assert sleeps.waits == []


async def test_5xx_and_not_json_are_retried_with_backoff_and_429_waits_retry_after(
    portal: FakePortal, http: httpx.AsyncClient
) -> None:
    portal.trouble[2] = ["500", "html", "429"]
    portal.retry_after = "7"
    sleeps = Sleeps()
    client = client_of(http, sleeps)
    pages = [page async for page in client.pages()]
    assert [p.error for p in pages] == [None, None, None]
    assert sum(len(p.results) for p in pages) == 7
    assert sleeps.waits == [0.5, 1.0, 7.0]  # backoff, backoff, then what the 429 asked
    assert client.retries == 3


async def test_a_long_retry_after_is_capped(portal: FakePortal, http: httpx.AsyncClient) -> None:
    portal.trouble[1] = ["429"]
    portal.retry_after = "3600"
    sleeps = Sleeps()
    [_ async for _ in client_of(http, sleeps, cap=60).pages()]
    assert sleeps.waits == [60]


async def test_a_page_that_keeps_failing_is_reported_and_the_next_pages_still_come(
    portal: FakePortal, http: httpx.AsyncClient
) -> None:
    portal.trouble[2] = ["503"] * 3
    pages = [page async for page in client_of(http, Sleeps(), attempts=3).pages()]
    assert [p.number for p in pages] == [1, 2, 3]
    assert "503" in (pages[1].error or "")
    assert pages[1].results == []
    assert len(pages[2].results) == 1


async def test_a_first_page_that_keeps_failing_stops_the_run(
    portal: FakePortal, http: httpx.AsyncClient
) -> None:
    portal.trouble[1] = ["html"] * 2
    with pytest.raises(PortalUnavailable, match="not JSON"):
        [_ async for _ in client_of(http, Sleeps(), attempts=2).pages()]


async def test_facet_labels(http: httpx.AsyncClient) -> None:
    labels = await client_of(http, Sleeps()).facets()
    assert labels["frameworkProgramme"]["43108390"] == "Horizon Europe (HORIZON)"
    assert labels["status"]["31094502"] == "Open For Submission"


async def test_plain_form_fields_get_the_portals_500(http: httpx.AsyncClient) -> None:
    response = await http.post(URL, params={"text": "***", "pageNumber": "1"}, data={"query": "{}"})
    assert response.status_code == 500
    without_text = await http.post(URL, params={"pageNumber": "1"})
    assert without_text.status_code == 400


def test_facet_url_is_the_sibling_of_search() -> None:
    assert facet_url_of("https://api.tech.ec.europa.eu/search-api/prod/rest/search?x=1") == (
        "https://api.tech.ec.europa.eu/search-api/prod/rest/facet"
    )


def test_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2026, 12, 7, 9, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("12") == 12
    assert retry_after_seconds("Mon, 07 Dec 2026 09:00:30 GMT", now=now) == 30
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
