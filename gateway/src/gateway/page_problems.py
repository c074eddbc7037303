"""Errors the gateway itself answers on ``/p/`` paths are pages, not JSON.

A person who opens a link from a message and meets the rate limit (429), a service that is
down (503), slow (504) or unreachable (502), or a body too large (413) should read a page in
the layout, in their language, not a problem+json document. This middleware sits in front of
the proxy and, for ``/p/`` paths only, turns any problem+json answer into the problem page
of the same status, keeping the headers that matter (``Retry-After``, the rate-limit
headers, ``X-Request-ID``). Pages the services render pass through untouched.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit.pages import render_problem
from kit.problems import PAGES_PREFIX, PROBLEM_MEDIA_TYPE

_KEPT = frozenset(
    {
        b"retry-after",
        b"ratelimit-limit",
        b"ratelimit-remaining",
        b"ratelimit-reset",
        b"x-request-id",
    }
)


class PageProblems:
    """Pure ASGI middleware: problem+json → the problem page, on ``/p/`` paths."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PAGES_PREFIX):
            await self.app(scope, receive, send)
            return
        problem_start: Message | None = None

        async def pages_only(message: Message) -> None:
            nonlocal problem_start
            if message["type"] == "http.response.start" and _is_problem(message):
                problem_start = message  # held until its body is done, then replaced
                return
            if problem_start is None:
                await send(message)
                return
            if message["type"] == "http.response.body" and not message.get("more_body"):
                kept = {
                    name.decode("latin-1"): value.decode("latin-1")
                    for name, value in problem_start.get("headers", [])
                    if name.lower() in _KEPT
                }
                page = render_problem(
                    Request(scope), status=int(problem_start["status"]), headers=kept
                )
                await page(scope, receive, send)

        await self.app(scope, receive, pages_only)


def _is_problem(message: Message) -> bool:
    for name, value in message.get("headers", []):
        if name.lower() == b"content-type":
            return bool(value.startswith(PROBLEM_MEDIA_TYPE.encode()))
    return False
