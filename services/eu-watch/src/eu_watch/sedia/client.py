"""A client of the portal's search API (``…/rest/search``) and its facet sibling.

The API wants ``multipart/form-data`` whose parts are JSON blobs (``query``, ``languages``,
``sort``): plain form fields get a 500. Pages come by ``pageSize``/``pageNumber``; a page that
fails (a 5xx, a timeout, a body that is not JSON) is asked again with exponential backoff, and
a ``429`` waits what its ``Retry-After`` says. A page still failing after the last attempt is
reported to the caller, which counts it and goes on with the next page.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson

from eu_watch.sedia.errors import PortalUnavailable

logger = logging.getLogger(__name__)

#: ``type`` codes: 1 grant topic, 2 call for proposals, 8 cascade funding (0, tenders, is not
#: for the network).
GRANT_TYPES = ("1", "2", "8")
#: ``status`` codes: forthcoming and open for submission (31094503, closed, is left out:
#: the status of what we already hold is derived from its dates anyway).
WATCHED_STATUSES = ("31094501", "31094502")
#: The portal's API key for public search (documented, not a secret).
PUBLIC_API_KEY = "SEDIA"


@dataclass(frozen=True)
class SearchPage:
    """One page of results, or the error that kept it from being read."""

    number: int
    total: int
    results: list[dict[str, Any]]
    error: str | None = None


def grants_query(programme_period: str | None) -> dict[str, Any]:
    """The Elasticsearch ``bool.must`` query of open and forthcoming grants."""
    must: list[dict[str, Any]] = [
        {"terms": {"type": list(GRANT_TYPES)}},
        {"terms": {"status": list(WATCHED_STATUSES)}},
    ]
    if programme_period:
        must.append({"terms": {"programmePeriod": [programme_period]}})
    return {"bool": {"must": must}}


def facet_url_of(search_url: str) -> str:
    """The facet endpoint is the search endpoint's sibling (``…/rest/facet``)."""
    base, _, _ = search_url.partition("?")
    return base.rstrip("/").rsplit("/", 1)[0] + "/facet"


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date (None when absent or unreadable)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def labels_of_facets(groups: list[Any]) -> dict[str, dict[str, str]]:
    """Facet name → {code → label}, from the facet endpoint's ``facets`` list."""
    labels: dict[str, dict[str, str]] = {}
    for group in groups:
        if not isinstance(group, dict) or not isinstance(group.get("name"), str):
            continue
        values = labels.setdefault(group["name"], {})
        for value in group.get("values") or ():
            if isinstance(value, dict) and value.get("rawValue") and value.get("value"):
                values[str(value["rawValue"])] = str(value["value"])
    return labels


class SediaClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        search_url: str,
        page_size: int = 100,
        programme_period: str | None = "2021 - 2027",
        max_attempts: int = 5,
        backoff_seconds: float = 1.0,
        max_retry_after_seconds: float = 300.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._http = http
        self._search_url = search_url.partition("?")[0]
        self._facet_url = facet_url_of(search_url)
        self._page_size = max(1, min(page_size, 100))
        self._programme_period = programme_period
        self._max_attempts = max(1, max_attempts)
        self._backoff_seconds = backoff_seconds
        self._max_retry_after = max_retry_after_seconds
        self._sleep = sleep
        #: Requests made and retried, for the run's report.
        self.requests = 0
        self.retries = 0

    def _parts(self) -> dict[str, tuple[str, bytes, str]]:
        """The multipart body: each part a JSON blob."""
        parts = {
            "query": grants_query(self._programme_period),
            "languages": ["en"],
            "sort": {"field": "sortStatus", "order": "ASC"},
        }
        return {
            name: ("blob", orjson.dumps(value), "application/json") for name, value in parts.items()
        }

    async def facets(self) -> dict[str, dict[str, str]]:
        """Facet name → {code → label}, from the portal's facet endpoint."""
        body = await self._post(
            self._facet_url, {"apiKey": PUBLIC_API_KEY, "text": "***"}, what="the facet list"
        )
        groups = body.get("facets")
        if not isinstance(groups, list):
            raise PortalUnavailable("The portal's facet answer has no list of facets.")
        return labels_of_facets(groups)

    async def pages(self) -> AsyncIterator[SearchPage]:
        """Every page of open and forthcoming grants. The first page must be read (it says
        how many there are); a later page that keeps failing comes back with its error."""
        first = await self._page(1)
        yield first
        last = math.ceil(first.total / self._page_size) if first.total else 1
        for number in range(2, last + 1):
            try:
                yield await self._page(number)
            except PortalUnavailable as exc:
                logger.warning("sedia: page %d skipped: %s", number, exc.detail)
                yield SearchPage(number=number, total=first.total, results=[], error=exc.detail)

    async def _page(self, number: int) -> SearchPage:
        params = {
            "apiKey": PUBLIC_API_KEY,
            "text": "***",
            "pageSize": str(self._page_size),
            "pageNumber": str(number),
        }
        body = await self._post(self._search_url, params, what=f"page {number}")
        results = body.get("results")
        total = body.get("totalResults")
        if not isinstance(results, list) or not isinstance(total, int):
            raise PortalUnavailable(f"Page {number} has no results or totalResults.")
        return SearchPage(
            number=number, total=total, results=[r for r in results if isinstance(r, dict)]
        )

    async def _post(self, url: str, params: dict[str, str], *, what: str) -> dict[str, Any]:
        """POST with retries: transport errors, 5xx and unreadable bodies back off
        exponentially; 429 waits its Retry-After (capped)."""
        problem = "no attempt"
        for attempt in range(1, self._max_attempts + 1):
            if attempt > 1:
                self.retries += 1
            self.requests += 1
            wait = self._backoff_seconds * 2 ** (attempt - 1)
            try:
                response = await self._http.post(url, params=params, files=self._parts())
            except httpx.HTTPError as exc:
                problem = f"could not be reached ({type(exc).__name__})"
            else:
                body, problem, asked = self._read(response, what=what)
                if body is not None:
                    return body
                wait = wait if asked is None else min(asked, self._max_retry_after)
            if attempt < self._max_attempts:
                logger.info("sedia: %s %s; retrying in %.1fs", what, problem, wait)
                await self._sleep(wait)
        raise PortalUnavailable(f"The portal {problem} for {what} ({self._max_attempts} attempts).")

    def _read(
        self, response: httpx.Response, *, what: str
    ) -> tuple[dict[str, Any] | None, str, float | None]:
        """The body of a good answer, or what went wrong and how long the portal asked us
        to wait (a 429's Retry-After)."""
        if response.status_code == 429:
            return (
                None,
                "asked us to slow down (429)",
                retry_after_seconds(response.headers.get("retry-after")),
            )
        if response.status_code >= 500:
            return None, f"answered {response.status_code}", None
        if response.status_code != 200:
            # Another 4xx: asking again would get the same answer.
            raise PortalUnavailable(
                f"The portal refused {what}: {response.status_code} {response.text[:200]}",
                upstream_status=response.status_code,
            )
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            return None, "answered something that is not JSON", None
        if not isinstance(body, dict):
            return None, "answered JSON that is not an object", None
        return body, "", None
