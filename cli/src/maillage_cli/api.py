"""A small client of the public API for the operator tools, the e2e tests and the benchmarks.

It knows the one piece of choreography every caller needs: the events service learns about
actors over NATS, so an event naming a just-created actor is refused (422, unknown
organizer) for a moment; :meth:`Api.create_event` retries that case until a deadline.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx


class ApiError(RuntimeError):
    """The API answered something other than what the call expects."""

    def __init__(self, what: str, response: httpx.Response) -> None:
        super().__init__(f"{what}: HTTP {response.status_code}: {response.text[:500]}")
        self.response = response


@dataclass
class Versioned:
    """A resource as returned, with the ETag to send back in ``If-Match``."""

    body: dict[str, Any]
    etag: str

    @property
    def id(self) -> str:
        return str(self.body["id"])


class Api:
    """The gateway's ``/v1`` API, authenticated with ``key`` when given."""

    def __init__(self, base_url: str, key: str | None = None, *, timeout: float = 10.0) -> None:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.http = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout)

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.http.aclose()

    async def create_actor(self, payload: dict[str, Any], **headers: str) -> Versioned:
        response = await self.http.post("/v1/actors", json=payload, headers=headers)
        return _versioned(response, 201, f"POST /v1/actors {payload.get('name')!r}")

    async def get_actor(self, actor_id: str) -> Versioned:
        return _versioned(await self.http.get(f"/v1/actors/{actor_id}"), 200, "GET actor")

    async def update_actor(self, actor_id: str, changes: dict[str, Any], etag: str) -> Versioned:
        response = await self.http.patch(
            f"/v1/actors/{actor_id}", json=changes, headers={"If-Match": etag}
        )
        return _versioned(response, 200, f"PATCH /v1/actors/{actor_id}")

    async def create_event(
        self, payload: dict[str, Any], *, within: float = 30.0, **headers: str
    ) -> Versioned:
        """POST an event, retrying while the events service does not know an organizer yet."""
        deadline = time.monotonic() + within
        while True:
            response = await self.http.post("/v1/events", json=payload, headers=headers)
            if not unknown_organizer(response) or time.monotonic() >= deadline:
                return _versioned(response, 201, f"POST /v1/events {payload.get('title')!r}")
            await asyncio.sleep(0.02)

    async def get_event(self, event_id: str) -> dict[str, Any]:
        response = await self.http.get(f"/v1/events/{event_id}")
        return _versioned(response, 200, f"GET /v1/events/{event_id}").body

    async def organizer_names(self, event_id: str) -> list[str]:
        """The organizers' names as the event shows them (from the events projection)."""
        return [str(o["name"]) for o in (await self.get_event(event_id))["organizers"]]


def unknown_organizer(response: httpx.Response) -> bool:
    """A 422 saying an organizer is unknown (the projection has not caught up yet)."""
    return response.status_code == 422 and "organizer" in response.text.lower()


def _versioned(response: httpx.Response, status: int, what: str) -> Versioned:
    if response.status_code != status:
        raise ApiError(what, response)
    body: dict[str, Any] = response.json()
    return Versioned(body=body, etag=response.headers.get("etag", ""))
