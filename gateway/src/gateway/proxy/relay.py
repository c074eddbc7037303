"""The proxy path: a raw ASGI callable that relays ``/v1/<segment>...`` to the owning service.

It sits in front of the gateway's FastAPI app (which only sees what no service owns) and does
per request only what it must: resolve the caller, sign its identity, stream the body up and
the answer down through one shared ``aiohttp`` session, keeping status and end-to-end headers.
Errors it raises itself are RFC 9457 problems: 401 (caller), 413 (body), 429 (rate limit,
see ``gateway.limits``), 502 (service unreachable or broken answer), 503 (service known to
be down, see ``gateway.proxy.breakers``) and 504 (service too slow).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_from_bytes

import aiohttp
import orjson
from starlette.types import ASGIApp, Receive, Scope, Send
from yarl import URL

from gateway.callers import CallerRejected, CallerResolver
from gateway.limits import Allowance, RateLimits
from gateway.proxy.breakers import CircuitBreaker
from gateway.proxy.readiness import probe
from gateway.proxy.routing import MAIL_SEGMENT, first_segment, owner_of, page_owner
from kit.identity import IDENTITY_HEADER, Identity, IdentitySigner
from kit.logs import request_id_var
from kit.middleware import REQUEST_ID_HEADER, incoming_request_id
from kit.problems import PROBLEM_MEDIA_TYPE, problem_body, problem_header_pairs

logger = logging.getLogger(__name__)

#: Meaningful for one connection only (RFC 9110 §7.6.1), never relayed either way.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Request headers the gateway reads and then sets itself (or deliberately withholds: the
# caller's key stays at the gateway; services only ever see the signed identity).
_REQUEST_HANDLED = HOP_BY_HOP | {
    b"host",
    b"authorization",
    IDENTITY_HEADER.encode(),
    REQUEST_ID_HEADER,
    b"content-length",
    b"expect",
    b"x-forwarded-for",
    b"x-forwarded-host",
    b"x-forwarded-proto",
}
# Response headers the gateway's own server sets (date) or the gateway replaces.
_RESPONSE_DROPPED = HOP_BY_HOP | {REQUEST_ID_HEADER, b"date", b"server"}
# Answers up to this size are read whole and sent in one message; larger ones stream.
_WHOLE_BODY_MAX = 64 * 1024
_STREAM_CHUNK = 64 * 1024


#: While a service's breaker is open, its /readyz is asked this often, each answer awaited
#: this long: a restart is noticed within a fraction of a second.
READINESS_POLL_SECONDS = 0.2
READINESS_PROBE_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class Upstream:
    """A service the gateway relays to."""

    name: str
    base_url: str


class _BodyTooLarge(Exception):
    """The caller's body went past the route's limit while it was being relayed."""


class _ClientGone(Exception):
    """The caller hung up while its body was being relayed."""


def new_upstream_session(
    *,
    connect_timeout: float,
    read_timeout: float,
    connection_limit: int,
    keepalive_seconds: float = 4.0,
) -> aiohttp.ClientSession:
    """The one HTTP client of the process: keep-alive pool, bytes relayed untouched.

    Idle connections are dropped before the services' servers drop them (uvicorn: after 5s),
    so a request is never written onto a connection the service is closing.
    """
    connector = aiohttp.TCPConnector(
        limit=connection_limit,
        limit_per_host=0,
        keepalive_timeout=keepalive_seconds,
        ttl_dns_cache=300,
    )
    return aiohttp.ClientSession(
        connector=connector,
        # No total: a long download is fine as long as bytes keep coming.
        timeout=aiohttp.ClientTimeout(total=None, connect=connect_timeout, sock_read=read_timeout),
        auto_decompress=False,
        # The caller's own Accept, Accept-Encoding, User-Agent and Content-Type go through;
        # aiohttp must not invent any.
        skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent", "Content-Type"),
        cookie_jar=aiohttp.DummyCookieJar(),
        raise_for_status=False,
    )


async def send_problem(
    send: Send,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str,
    request_id: bytes | None = None,
    headers: Iterable[tuple[bytes, bytes]] = (),
    **extensions: Any,
) -> None:
    """Send a complete problem+json response through raw ASGI."""
    body = orjson.dumps(
        problem_body(
            status=status, slug=slug, title=title, detail=detail, instance=instance, **extensions
        )
    )
    response_headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *problem_header_pairs(),
        *headers,
    ]
    if request_id is not None:
        response_headers.append((REQUEST_ID_HEADER, request_id))
    await send({"type": "http.response.start", "status": status, "headers": response_headers})
    await send({"type": "http.response.body", "body": body})


class Proxy:
    """ASGI app: relay owned paths to their service, hand everything else to ``app``."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        routes: Mapping[str, Upstream],
        callers: CallerResolver,
        signer: IdentitySigner,
        max_body_bytes: int,
        body_limit_overrides: Mapping[str, int] | None = None,
        limits: RateLimits | None = None,
        breakers: Mapping[str, CircuitBreaker] | None = None,
    ) -> None:
        self.app = app
        self.limits = limits
        #: Path prefix → its own body limit (file uploads such as /v1/imports).
        self.body_limit_overrides = dict(body_limit_overrides or {})
        self.routes = dict(routes)
        #: Service name → upstream, for the pages under /p/ (routed by service, not segment).
        self.upstreams = {upstream.name: upstream for upstream in self.routes.values()}
        #: Service name → its circuit breaker (one that never opens unless given).
        self.breakers = {
            upstream.name: CircuitBreaker(failure_threshold=0, cooldown_seconds=0)
            for upstream in self.routes.values()
        } | dict(breakers or {})
        self.callers = callers
        self.signer = signer
        self.max_body_bytes = max_body_bytes
        #: Set by the lifespan; one per process.
        self.session: aiohttp.ClientSession | None = None
        #: Service name → the task watching its /readyz while its breaker is open.
        self.readiness_watches: dict[str, asyncio.Task[None]] = {}

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.body_limit_overrides.items():
            if path.startswith(prefix):
                return limit
        return self.max_body_bytes

    def route(self, path: str) -> Upstream | None:
        """The service owning ``path`` (``/v1/events.ics`` belongs to ``events``, and so
        does the page ``/p/registrations/{token}``)."""
        segment = first_segment(path)
        if segment == MAIL_SEGMENT:  # /v1/mail/{service}/...: the service it names
            owner = owner_of(path)
            return self.upstreams.get(owner) if owner else None
        if segment:
            return self.routes.get(segment)
        owner = page_owner(path)
        return self.upstreams.get(owner) if owner else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upstream = self.route(scope["path"])
        if upstream is None:
            await self.app(scope, receive, send)
            return
        incoming = _read_request_headers(scope)
        token = request_id_var.set(incoming[4])
        state = _RelayState()
        try:
            await self._relay(scope, receive, send, upstream, incoming, state)
        except Exception:
            logger.exception(
                "%s %s: relaying to %s failed", scope["method"], scope["path"], upstream.name
            )
            if not state.responded:
                await send_problem(
                    send,
                    status=500,
                    slug="internal",
                    title="Internal error",
                    detail="An unexpected error occurred; it has been logged with this request id.",
                    instance=scope["path"],
                    request_id=incoming[4].encode(),
                )
        finally:
            request_id_var.reset(token)

    async def _relay(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        upstream: Upstream,
        incoming: _IncomingHeaders,
        body_state: _RelayState,
    ) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        forward, authorization, content_length, chunked, request_id = incoming
        rid = request_id.encode()
        admitted = await self._admit(scope, send, upstream, authorization, rid)
        if admitted is None:
            return
        identity, rate_headers = admitted
        breaker = self.breakers[upstream.name]
        body_state.limit = (
            self.limit_for(path) if self.body_limit_overrides else self.max_body_bytes
        )
        if content_length is not None and content_length > body_state.limit:
            await self._refuse_body(send, path, rid)
            return
        forward.append((IDENTITY_HEADER, self.signer.sign(identity)))
        forward.append(("x-request-id", request_id))

        data: bytes | AsyncIterator[bytes] | None = None
        if content_length or chunked:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            first: bytes = message.get("body", b"")
            if message.get("more_body", False):
                if content_length is not None:
                    # Known length: the service gets a plain body, not a chunked one.
                    forward.append(("content-length", str(content_length)))
                body_state.sent = False
                data = self._stream_body(receive, first, body_state)
            elif len(first) > body_state.limit:
                await self._refuse_body(send, path, rid)
                return
            else:
                data = first

        assert self.session is not None, "the gateway lifespan did not run"
        try:
            response = await self.session.request(
                method,
                _target_url(upstream, scope),
                headers=forward,
                data=data,
                allow_redirects=False,
                compress=None,
            )
        except (aiohttp.ClientError, TimeoutError) as exc:
            if body_state.too_large:
                await self._refuse_body(send, path, rid)
            elif not body_state.client_gone:
                logger.warning("%s %s: %s failed: %r", method, path, upstream.name, exc)
                self._record_unreachable(upstream, breaker)
                await _send_upstream_problem(send, exc, upstream, path, rid)
            return
        breaker.record_success()

        try:
            await self._send_response(
                send, response, rid, method, path, upstream, receive, body_state, rate_headers
            )
        finally:
            response.release()

    async def _admit(
        self, scope: Scope, send: Send, upstream: Upstream, authorization: str | None, rid: bytes
    ) -> tuple[Identity, list[tuple[bytes, bytes]]] | None:
        """The caller and the rate headers for its answer; None once a 401/429/503 is sent."""
        path: str = scope["path"]
        client = scope.get("client")
        address: str | None = client[0] if client else None
        try:
            identity = await self.callers.resolve(scope["method"], authorization, path)
        except CallerRejected as exc:
            if self.limits is not None:
                allowance = self.limits.charge(None, address)
                if allowance is not None and not allowance.allowed:
                    await _refuse_rate(send, allowance, path, rid)
                    return None
            await send_problem(
                send,
                status=401,
                slug="unauthenticated",
                title="Authentication required",
                detail=exc.detail,
                instance=path,
                request_id=rid,
                headers=[(b"www-authenticate", b'Bearer realm="maillage"')],
            )
            return None
        rate_headers: list[tuple[bytes, bytes]] = []
        if self.limits is not None:
            allowance = self.limits.charge(identity, address)
            if allowance is not None and not allowance.allowed:
                await _refuse_rate(send, allowance, path, rid)
                return None
            if allowance is not None:
                rate_headers = allowance.headers()
        wait = self.breakers[upstream.name].wait_seconds()
        if wait is not None:
            await _refuse_down(send, upstream, wait, path, rid)
            return None
        return identity, rate_headers

    def _record_unreachable(self, upstream: Upstream, breaker: CircuitBreaker) -> None:
        """Count a call that did not reach the service; once its breaker is open, watch the
        service's /readyz so the first call after it is back goes through instead of
        waiting out the breaker's wait."""
        breaker.record_failure()
        if not breaker.is_open:
            return
        watch = self.readiness_watches.get(upstream.name)
        if watch is None or watch.done():
            self.readiness_watches[upstream.name] = asyncio.create_task(
                self._await_ready(upstream, breaker), name=f"readiness-{upstream.name}"
            )

    async def _await_ready(self, upstream: Upstream, breaker: CircuitBreaker) -> None:
        while breaker.is_open and self.session is not None:
            answer = await probe(
                self.session, upstream.base_url, timeout_seconds=READINESS_PROBE_TIMEOUT_SECONDS
            )
            if answer == "ok":
                breaker.mark_ready()
            # Once ready, the next call closes the breaker; until one comes, ask less often.
            await asyncio.sleep(1.0 if answer == "ok" else READINESS_POLL_SECONDS)

    async def stop_watches(self) -> None:
        """Cancel the readiness watches (the lifespan's end)."""
        for watch in self.readiness_watches.values():
            watch.cancel()
        await asyncio.gather(*self.readiness_watches.values(), return_exceptions=True)
        self.readiness_watches.clear()

    async def _send_response(
        self,
        send: Send,
        response: aiohttp.ClientResponse,
        rid: bytes,
        method: str,
        path: str,
        upstream: Upstream,
        receive: Receive,
        body_state: _RelayState,
        rate_headers: list[tuple[bytes, bytes]],
    ) -> None:
        headers = [
            (name.lower(), value)
            for name, value in response.raw_headers
            if name.lower() not in _RESPONSE_DROPPED
        ]
        headers.append((REQUEST_ID_HEADER, rid))
        headers.extend(rate_headers)
        length = response.content_length
        if length is not None and length <= _WHOLE_BODY_MAX:
            # Small answer: read it whole so a failure can still become a clean 502.
            try:
                body = await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                logger.warning("%s %s: %s answer broken: %r", method, path, upstream.name, exc)
                await _send_upstream_problem(send, exc, upstream, path, rid)
                return
            body_state.responded = True
            await send(
                {"type": "http.response.start", "status": response.status, "headers": headers}
            )
            await send({"type": "http.response.body", "body": body})
            return
        body_state.responded = True
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        # The server drops what is sent to a caller who left; without this watch a long
        # export would go on being pulled from the service for nobody.
        gone = asyncio.ensure_future(_disconnected(receive)) if body_state.sent else None
        try:
            async for chunk in response.content.iter_chunked(_STREAM_CHUNK):
                if gone is not None and gone.done():
                    logger.info(
                        "%s %s: caller left; answer from %s dropped", method, path, upstream.name
                    )
                    return
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Too late for a problem document: leave the response unfinished so the server
            # drops the connection and the caller sees a truncated answer, not a short one.
            logger.warning("%s %s: %s answer broken off: %r", method, path, upstream.name, exc)
            return
        finally:
            if gone is not None:
                gone.cancel()
        await send({"type": "http.response.body", "body": b""})

    async def _stream_body(
        self, receive: Receive, first: bytes, state: _RelayState
    ) -> AsyncIterator[bytes]:
        received = len(first)
        if received > state.limit:
            state.too_large = True
            raise _BodyTooLarge
        if first:
            yield first
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                state.client_gone = True
                raise _ClientGone
            chunk: bytes = message.get("body", b"")
            received += len(chunk)
            if received > state.limit:
                state.too_large = True
                raise _BodyTooLarge
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                state.sent = True
                return

    async def _refuse_body(self, send: Send, path: str, rid: bytes) -> None:
        limit = self.limit_for(path)
        await send_problem(
            send,
            status=413,
            slug="payload-too-large",
            title="Payload too large",
            detail=f"The request body exceeds the limit of {limit} bytes.",
            instance=path,
            request_id=rid,
            # No "Connection: close": the server then reads and drops the rest of the body,
            # so a client still uploading gets to read this answer instead of a reset.
            limit_bytes=limit,
        )


class _RelayState:
    """How relaying one request goes (the body is streamed up from aiohttp's own task)."""

    __slots__ = ("client_gone", "limit", "responded", "sent", "too_large")

    def __init__(self) -> None:
        self.limit = 0
        self.too_large = False
        self.client_gone = False
        #: The whole body was read from the caller (so ``receive`` is free to watch).
        self.sent = True
        #: The response has started: too late for a problem document.
        self.responded = False


async def _disconnected(receive: Receive) -> None:
    """Return once the caller has gone (or the response is complete)."""
    while (await receive())["type"] != "http.disconnect":
        pass


_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def _target_url(upstream: Upstream, scope: Scope) -> URL:
    """The service URL for this request, path and query relayed byte for byte."""
    raw_path: bytes | None = scope.get("raw_path")
    if raw_path is None:
        path = quote(scope["path"], safe=_PATH_SAFE)
    elif raw_path.isascii():
        path = raw_path.decode("ascii")
    else:  # bytes a lenient client left unescaped: escape them rather than guess a charset
        path = quote_from_bytes(raw_path, safe=_PATH_SAFE)
    target = upstream.base_url + path
    query: bytes = scope.get("query_string", b"")
    if query:
        target += "?" + query.decode("latin-1")
    return URL(target, encoded=True)


#: Relayed headers, Authorization, declared Content-Length, chunked body?, request id.
_IncomingHeaders = tuple[list[tuple[str, str]], str | None, int | None, bool, str]
# Request ids only need to be unique, not secret: a PRNG avoids a urandom call per request.
_request_ids = random.Random()  # noqa: S311


def new_request_id() -> str:
    """A fresh request id (32 hex digits, like a UUID's)."""
    return f"{_request_ids.getrandbits(128):032x}"


def _read_request_headers(scope: Scope) -> _IncomingHeaders:
    """Split the caller's headers into those relayed as they are and those the gateway reads.

    One pass over the headers: the relayed ones (with ``X-Forwarded-*`` added), the
    ``Authorization`` value, the declared ``Content-Length``, whether the body is chunked,
    and the request id (the caller's if sane, else a new one).
    """
    forward: list[tuple[str, str]] = []
    authorization: str | None = None
    request_id: str | None = None
    content_length: int | None = None
    chunked = False
    connection: bytes | None = None
    host: bytes | None = None
    for name, value in scope["headers"]:
        if name not in _REQUEST_HANDLED:
            forward.append((name.decode("latin-1"), value.decode("latin-1")))
        elif name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"content-length":
            content_length = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            connection = value
        elif name == b"host":
            host = value
        elif name == REQUEST_ID_HEADER and request_id is None:
            request_id = incoming_request_id({"headers": ((name, value),)})
    if connection is not None:
        forward = _without_connection_tokens(forward, connection)
    client = scope.get("client")
    if client:
        forward.append(("x-forwarded-for", client[0]))
    forward.append(("x-forwarded-proto", scope.get("scheme", "http")))
    if host is not None:
        forward.append(("x-forwarded-host", host.decode("latin-1")))
    return forward, authorization, content_length, chunked, request_id or new_request_id()


async def _refuse_rate(send: Send, allowance: Allowance, path: str, rid: bytes) -> None:
    await send_problem(
        send,
        status=429,
        slug="too-many-requests",
        title="Too many requests",
        detail=(
            f"Rate limit reached: try again in {allowance.retry_after} s "
            f"(bursts of {allowance.limit} calls)."
        ),
        instance=path,
        request_id=rid,
        headers=allowance.headers(),
        retry_after_seconds=allowance.retry_after,
    )


async def _refuse_down(
    send: Send, upstream: Upstream, wait_seconds: float, path: str, rid: bytes
) -> None:
    retry_after = max(1, math.ceil(wait_seconds))
    await send_problem(
        send,
        status=503,
        slug="service-unavailable",
        title="Service unavailable",
        detail=(
            f"The {upstream.name} service is down; calls to it are refused for "
            f"{retry_after} s before it is tried again."
        ),
        instance=path,
        request_id=rid,
        headers=[(b"retry-after", str(retry_after).encode())],
        service=upstream.name,
    )


async def _send_upstream_problem(
    send: Send, exc: Exception, upstream: Upstream, path: str, rid: bytes
) -> None:
    """504 when the service was too slow, 502 when it could not be reached or broke off."""
    if isinstance(exc, TimeoutError):
        await send_problem(
            send,
            status=504,
            slug="gateway-timeout",
            title="Gateway timeout",
            detail=f"The {upstream.name} service did not answer in time.",
            instance=path,
            request_id=rid,
            service=upstream.name,
        )
        return
    await send_problem(
        send,
        status=502,
        slug="bad-gateway",
        title="Bad gateway",
        detail=f"The {upstream.name} service is unreachable or broke off its answer.",
        instance=path,
        request_id=rid,
        service=upstream.name,
    )


def _without_connection_tokens(
    headers: list[tuple[str, str]], connection: bytes
) -> list[tuple[str, str]]:
    """Drop headers the caller named in ``Connection`` (they are hop-by-hop too)."""
    named = {t.strip().lower() for t in connection.decode("latin-1").split(",") if t.strip()}
    return [(k, v) for k, v in headers if k.lower() not in named]
