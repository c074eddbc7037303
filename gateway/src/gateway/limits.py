"""Rate limits: a token bucket per API key, and per IP address for anonymous callers.

Buckets live in the memory of each gateway process (with N processes a caller gets up to N
times the rate; good enough to stop bursts and abuse, not an accounting system). A bucket
holds ``burst`` tokens and refills at ``per_minute / 60`` tokens a second; each call takes
one. Failed authentications are charged to the caller's address, so guessing keys is slowed
like any anonymous traffic.

Answers carry the IETF draft headers (draft-ietf-httpapi-ratelimit-headers, the three-field
form that clients and libraries read most widely): ``RateLimit-Limit`` (the burst),
``RateLimit-Remaining`` (tokens left) and ``RateLimit-Reset`` (seconds until the bucket is full
again); a 429 adds ``Retry-After`` (seconds until the next token).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kit.identity import Identity

_MAX_BUCKETS = 100_000


# Not frozen: a frozen dataclass is several times slower to build, and one is built per call.
@dataclass(slots=True)
class Allowance:
    """The outcome of taking one token."""

    allowed: bool
    limit: int
    remaining: int
    #: Seconds until the bucket is full again.
    reset_seconds: int
    #: Seconds until the next token (0 when allowed).
    retry_after: int

    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(self.reset_seconds).encode()),
        ]
        if not self.allowed:
            headers.append((b"retry-after", b"%d" % self.retry_after))
        return headers


class TokenBuckets:
    """One token bucket per caller key, all with the same rate and size."""

    def __init__(self, *, per_minute: float, burst: int) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("a rate limit needs a positive rate and a burst of at least 1")
        self.rate = per_minute / 60.0
        self.burst = burst
        #: caller → [tokens, time of last update]
        self._buckets: dict[str, list[float]] = {}

    def take(self, caller: str, now: float | None = None) -> Allowance:
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(caller)
        if bucket is None:
            if len(self._buckets) >= _MAX_BUCKETS:
                self._prune(now)
            bucket = self._buckets[caller] = [float(self.burst), now]
            tokens = float(self.burst)
        else:
            tokens = min(float(self.burst), bucket[0] + (now - bucket[1]) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        bucket[0] = tokens
        bucket[1] = now
        return Allowance(
            allowed,
            self.burst,
            int(tokens),
            math.ceil((self.burst - tokens) / self.rate),
            0 if allowed else max(1, math.ceil((1.0 - tokens) / self.rate)),
        )

    def _prune(self, now: float) -> None:
        # Full buckets carry no information: forget them (then everything, if still too many).
        full = [
            caller
            for caller, (tokens, then) in self._buckets.items()
            if tokens + (now - then) * self.rate >= self.burst
        ]
        for caller in full:
            del self._buckets[caller]
        if len(self._buckets) >= _MAX_BUCKETS:
            self._buckets.clear()


class RateLimits:
    """The gateway's limits: by key for authenticated callers, by address for the others."""

    def __init__(self, *, by_key: TokenBuckets | None, by_address: TokenBuckets | None) -> None:
        self.by_key = by_key
        self.by_address = by_address

    def charge(self, identity: Identity | None, address: str | None) -> Allowance | None:
        """Take a token for this call; ``identity`` is None when authentication failed.

        None when no limit applies to this caller.
        """
        if identity is not None and not identity.is_anonymous:
            return self.by_key.take(identity.subject) if self.by_key else None
        if self.by_address is None or address is None:
            return None
        return self.by_address.take(address)


class RateLimitHeaders:
    """Adds the ``RateLimit-*`` headers of the token a route of the gateway's own took
    (``request.state.rate_limit``) to its answer, as the proxy does on relayed ones."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            allowance = scope.get("state", {}).get("rate_limit")
            if message["type"] == "http.response.start" and allowance is not None:
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(n, v) for n, v in allowance.headers() if n not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
