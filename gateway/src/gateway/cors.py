"""CORS for the front-ends an operator lists (``MAILLAGE_GATEWAY_CORS_ORIGINS``).

The gateway answers preflights itself (services never see them) and adds the CORS headers to
every answer to a listed origin, its own problems (401, 429…) included, so a browser app can
read them. Keys travel in ``Authorization``, never in cookies: credentials mode is not
allowed. Requests without ``Origin`` (servers, curl) pass through untouched.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.proxy.relay import send_problem

ALLOWED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
ALLOWED_HEADERS = (
    "accept",
    "accept-language",
    "authorization",
    "content-type",
    "if-match",
    "if-none-match",
    "idempotency-key",
    "x-request-id",
)
EXPOSED_HEADERS = (
    "etag",
    "location",
    # The next page of a JSON-LD event list, and of any list a front-end pages through.
    "link",
    "x-request-id",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "retry-after",
)


def parse_origins(value: str) -> tuple[str, ...]:
    """``"https://a.org, https://b.org/"`` → ``("https://a.org", "https://b.org")``."""
    return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())


class Cors:
    """ASGI middleware: preflights answered here, CORS headers on answers to listed origins."""

    def __init__(self, app: ASGIApp, *, origins: Iterable[str], max_age_seconds: int) -> None:
        self.app = app
        listed = {o.encode() for o in origins}
        self.any_origin = b"*" in listed
        self.origins = frozenset(listed - {b"*"})
        self._preflight_headers = [
            (b"access-control-allow-methods", ", ".join(ALLOWED_METHODS).encode()),
            (b"access-control-allow-headers", ", ".join(ALLOWED_HEADERS).encode()),
            (b"access-control-max-age", str(max_age_seconds).encode()),
            (
                b"vary",
                b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            ),
        ]
        self._expose = (b"access-control-expose-headers", ", ".join(EXPOSED_HEADERS).encode())

    def allows(self, origin: bytes) -> bool:
        return self.any_origin or origin in self.origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = requested_method = requested_headers = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value
            elif name == b"access-control-request-method":
                requested_method = value
            elif name == b"access-control-request-headers":
                requested_headers = value
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and requested_method is not None:
            await self._preflight(scope, send, origin, requested_method, requested_headers)
            return
        if not self.allows(origin):
            # No CORS headers: the browser keeps the answer from the page.
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self._with_cors(send, origin))

    def _with_cors(self, send: Send, origin: bytes) -> Send:
        allow_origin = (b"access-control-allow-origin", origin)
        expose = self._expose

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", ()) if k != b"vary"]
                vary = [v for k, v in message.get("headers", ()) if k == b"vary"]
                headers += [allow_origin, expose, (b"vary", b", ".join([*vary, b"Origin"]))]
                message = {**message, "headers": headers}
            await send(message)

        return send_with_cors

    async def _preflight(
        self,
        scope: Scope,
        send: Send,
        origin: bytes,
        method: bytes,
        requested_headers: bytes | None,
    ) -> None:
        refusal: str | None = None
        if not self.allows(origin):
            refusal = f"The origin {origin.decode('latin-1')} is not allowed to call this API."
        elif method.decode("latin-1").upper() not in ALLOWED_METHODS:
            refusal = f"The method {method.decode('latin-1')} is not allowed."
        else:
            asked = {
                h.strip().lower()
                for h in (requested_headers or b"").decode("latin-1").split(",")
                if h.strip()
            }
            refused = sorted(asked - set(ALLOWED_HEADERS))
            if refused:
                refusal = f"These request headers are not allowed: {', '.join(refused)}."
        if refusal is not None:
            await send_problem(
                send,
                status=403,
                slug="cors-refused",
                title="Cross-origin request refused",
                detail=refusal,
                instance=scope["path"],
                headers=[(b"vary", b"Origin")],
            )
            return
        headers = [
            (b"access-control-allow-origin", origin),
            *self._preflight_headers,
            (b"content-length", b"0"),
        ]
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
