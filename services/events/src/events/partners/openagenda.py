"""A client of OpenAgenda's v2 events API (``GET /v2/agendas/{agendaUid}/events``).

It walks an agenda's events page by page with the ``after[]`` cursor each answer carries,
asking for the whole public record (``detailed=1``), only what changed since a moment
(``updatedAt[gte]``) sorted by that moment, and, on request, the references of removed events
(``removed=1``: their ``uid`` and ``updatedAt`` only).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

from events.config import Settings
from events.partners.errors import OpenAgendaUnavailable

#: OpenAgenda refuses pages larger than this.
MAX_PAGE_SIZE = 300


class OpenAgendaClient:
    def __init__(
        self, http: httpx.AsyncClient, *, base_url: str, key: str, page_size: int = 100
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._key = key
        self._page_size = max(1, min(page_size, MAX_PAGE_SIZE))

    async def pages(
        self,
        agenda_uid: str,
        *,
        updated_since: datetime | None = None,
        removed: bool = False,
        relative: tuple[str, ...] = (),
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Yield the agenda's events (or removed references) a page at a time."""
        params: list[tuple[str, str]] = [
            ("key", self._key),
            ("detailed", "1"),
            ("size", str(self._page_size)),
            ("sort", "updatedAt.asc"),
        ]
        if updated_since is not None:
            params.append(("updatedAt[gte]", openagenda_time(updated_since)))
        if removed:
            params.append(("removed", "1"))
        params.extend(("relative[]", r) for r in relative)
        url = f"{self._base_url}/agendas/{agenda_uid}/events"
        after: list[Any] | None = None
        while True:
            query = params + [("after[]", str(v)) for v in after or []]
            body = await self._get(url, query)
            events = body.get("events") or []
            if not isinstance(events, list):
                raise OpenAgendaUnavailable("OpenAgenda's answer has no list of events.")
            if events:
                yield [e for e in events if isinstance(e, dict)]
            cursor = body.get("after")
            if not events or not cursor:
                return
            if cursor == after or not isinstance(cursor, list):
                raise OpenAgendaUnavailable("OpenAgenda's cursor (after) did not move on.")
            after = cursor

    async def _get(self, url: str, params: list[tuple[str, str]]) -> dict[str, Any]:
        try:
            response = await self._http.get(url, params=tuple(params))
        except httpx.HTTPError as exc:
            raise OpenAgendaUnavailable(
                f"OpenAgenda could not be reached: {type(exc).__name__}."
            ) from exc
        if response.status_code != 200:
            # Never echo the request URL: it carries the key.
            raise OpenAgendaUnavailable(
                f"OpenAgenda answered {response.status_code}: {response.text[:200]}",
                upstream_status=response.status_code,
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise OpenAgendaUnavailable("OpenAgenda's answer is not JSON.") from exc
        if not isinstance(body, dict):
            raise OpenAgendaUnavailable("OpenAgenda's answer is not a JSON object.")
        return body


def openagenda_time(moment: datetime) -> str:
    """A moment as OpenAgenda writes them (``2021-02-18T09:00:00.000Z``)."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def parse_openagenda_time(value: Any) -> datetime | None:
    """``updatedAt`` and the like as an aware datetime (None when absent or malformed)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@asynccontextmanager
async def openagenda_client(settings: Settings) -> AsyncIterator[OpenAgendaClient]:
    """A client of the configured OpenAgenda, with its own HTTP client for one run."""
    async with httpx.AsyncClient(
        timeout=settings.openagenda_timeout_seconds, follow_redirects=False
    ) as http:
        yield OpenAgendaClient(
            http,
            base_url=settings.openagenda_base_url,
            key=settings.openagenda_key.get_secret_value(),
            page_size=settings.openagenda_page_size,
        )
