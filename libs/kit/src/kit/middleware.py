"""Pure ASGI middleware shared by every process: request ids and body size limits.

Written as raw ASGI rather than ``BaseHTTPMiddleware`` so they add no per-request task and
never buffer a streamed body.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit.logs import request_id_var
from kit.problems import problem_body, problem_header_pairs

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")


def incoming_request_id(scope: Scope) -> str:
    """The caller's ``X-Request-ID`` if it is sane, else a new one."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER and _VALID_REQUEST_ID.match(value):
            return str(value.decode("ascii"))
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Accept or generate ``X-Request-ID``, expose it to logs, echo it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        encoded = request_id.encode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != REQUEST_ID_HEADER]
                headers.append((REQUEST_ID_HEADER, encoded))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


class BodyLimitMiddleware:
    """Refuse bodies over ``max_bytes`` with a 413 problem, whether declared or streamed.

    ``overrides`` maps path prefixes to their own limit (a file upload route, say).
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, overrides: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = dict(overrides or {})

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.overrides.items():
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope["path"]) if self.overrides else self.max_bytes
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > max_bytes:
                await self._refuse(send, max_bytes)
                return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _BodyTooLargeError(max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLargeError:
            if not response_started:
                await self._refuse(send, max_bytes)

    async def _refuse(self, send: Send, max_bytes: int) -> None:
        import orjson  # noqa: PLC0415 - only on the rare refusal path

        body = orjson.dumps(
            problem_body(
                status=413,
                slug="payload-too-large",
                title="Payload too large",
                detail=f"The request body exceeds the limit of {max_bytes} bytes.",
                limit_bytes=max_bytes,
            )
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    # No "Connection: close": the server then reads and drops the rest of
                    # the body, so a client still uploading reads this answer, not a reset.
                    (b"content-length", str(len(body)).encode()),
                    *problem_header_pairs(),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _BodyTooLargeError(StarletteHTTPException):
    """Raised from ``receive``; an HTTPException so FastAPI's handlers render it as 413."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"The request body exceeds the limit of {max_bytes} bytes.")
