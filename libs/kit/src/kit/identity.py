"""Who is calling: the identity the gateway signs and every service verifies.

The gateway authenticates the caller (API key or nobody) and passes a short-lived HS256 token
in ``X-Maillage-Identity``. Services refuse any call without a valid token (health aside), so a
service port reached directly grants nothing. Tokens are cached on both sides: the gateway
re-signs an identity only every half TTL, services verify a given token once.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from enum import StrEnum
from typing import Annotated, Any

import jwt
import orjson
from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from kit.problems import Forbidden, Unauthenticated, problem_body, problem_header_pairs

IDENTITY_HEADER = "x-maillage-identity"
_IDENTITY_HEADER_BYTES = IDENTITY_HEADER.encode()
_ISSUER = "maillage-gateway"
_AUDIENCE = "maillage-services"
PUBLIC_PATHS = frozenset({"/healthz", "/readyz"})


class Role(StrEnum):
    ADMIN = "admin"
    ANIMATOR = "animator"
    MEMBER = "member"
    PARTNER = "partner"
    READER = "reader"
    ANONYMOUS = "anonymous"


STAFF_ROLES = frozenset({Role.ADMIN, Role.ANIMATOR})
#: Who may change the network's records: staff, and members (on their own actors' records).
#: Reader keys only read, partner keys only sync their platform's data.
MEMBER_OR_STAFF_ROLES = STAFF_ROLES | {Role.MEMBER}


class Identity(BaseModel):
    """The caller as services see it."""

    model_config = ConfigDict(frozen=True)

    subject: str = Field(description="Key id, or 'anonymous'.")
    role: Role
    actor_ids: tuple[uuid.UUID, ...] = ()
    partner: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_anonymous(self) -> bool:
        return self.role is Role.ANONYMOUS

    def acts_for(self, actor_id: uuid.UUID) -> bool:
        """True for staff and for members bound to ``actor_id``."""
        return self.is_staff or (self.role is Role.MEMBER and actor_id in self.actor_ids)


ANONYMOUS = Identity(subject="anonymous", role=Role.ANONYMOUS)


class IdentitySigner:
    """Signs identities for the gateway, reusing a token for half its lifetime."""

    def __init__(self, secret: str, *, ttl_seconds: int = 60) -> None:
        self._secret = secret
        self._ttl = ttl_seconds
        self._cache: dict[Identity, tuple[str, float]] = {}

    def sign(self, identity: Identity) -> str:
        now = time.time()
        cached = self._cache.get(identity)
        if cached and cached[1] > now:
            return cached[0]
        claims: dict[str, Any] = {
            "iss": _ISSUER,
            "aud": _AUDIENCE,
            "iat": int(now),
            "exp": int(now) + self._ttl,
            "sub": identity.subject,
            "role": identity.role.value,
            "actors": [str(a) for a in identity.actor_ids],
        }
        if identity.partner:
            claims["partner"] = identity.partner
        token = jwt.encode(claims, self._secret, algorithm="HS256")
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[identity] = (token, now + self._ttl / 2)
        return token


class IdentityVerifier:
    """Verifies identity tokens, remembering the ones already checked until they expire."""

    def __init__(self, secret: str, *, cache_size: int = 4096) -> None:
        self._secret = secret
        self._cache: OrderedDict[str, tuple[Identity, float]] = OrderedDict()
        self._cache_size = cache_size

    def verify(self, token: str) -> Identity:
        """Return the identity in ``token`` or raise :class:`Unauthenticated`."""
        now = time.time()
        cached = self._cache.get(token)
        if cached is not None:
            if cached[1] > now:
                return cached[0]
            del self._cache[token]
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                audience=_AUDIENCE,
                issuer=_ISSUER,
                options={"require": ["exp", "iat", "sub", "role"]},
            )
            identity = Identity(
                subject=claims["sub"],
                role=Role(claims["role"]),
                actor_ids=tuple(uuid.UUID(a) for a in claims.get("actors", [])),
                partner=claims.get("partner"),
            )
        except (jwt.PyJWTError, ValueError, KeyError) as exc:
            raise Unauthenticated("The identity token is missing, invalid or expired.") from exc
        self._cache[token] = (identity, float(claims["exp"]))
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return identity


class IdentityMiddleware:
    """Refuse every request but health checks unless it carries a valid identity token."""

    def __init__(self, app: ASGIApp, *, verifier: IdentityVerifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        token = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == _IDENTITY_HEADER_BYTES), ""
        )
        try:
            identity = self.verifier.verify(token)
        except Unauthenticated as exc:
            body = orjson.dumps(
                problem_body(
                    status=401,
                    slug=exc.slug,
                    title=exc.title,
                    detail="Services answer only calls relayed by the gateway. " + exc.detail,
                    instance=scope["path"],
                )
            )
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/problem+json"),
                        (b"content-length", str(len(body)).encode()),
                        *problem_header_pairs(),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        scope.setdefault("state", {})["identity"] = identity
        await self.app(scope, receive, send)


async def current_identity(request: Request) -> Identity:
    """FastAPI dependency: the verified caller (set by :class:`IdentityMiddleware`)."""
    identity = request.scope.get("state", {}).get("identity")
    return identity if isinstance(identity, Identity) else ANONYMOUS


CurrentIdentity = Annotated[Identity, Depends(current_identity)]


async def require_authenticated(identity: CurrentIdentity) -> Identity:
    """Dependency for writes: anonymous callers get a 401 problem."""
    if identity.is_anonymous:
        raise Unauthenticated("This operation needs an API key (Authorization: Bearer <key>).")
    return identity


async def require_staff(identity: CurrentIdentity) -> Identity:
    """Dependency for animator/admin operations."""
    await require_authenticated(identity)
    if not identity.is_staff:
        raise Forbidden("Only network animators and admins may do this.")
    return identity


async def require_member_or_staff(identity: CurrentIdentity) -> Identity:
    """Dependency for writes members make on their own actors' records (the service then
    checks the record): reader and partner keys get a 403 problem, whatever the record."""
    await require_authenticated(identity)
    if identity.role not in MEMBER_OR_STAFF_ROLES:
        raise Forbidden("Only network staff and members' keys may do this.")
    return identity


AuthenticatedIdentity = Annotated[Identity, Depends(require_authenticated)]
MemberOrStaffIdentity = Annotated[Identity, Depends(require_member_or_staff)]
StaffIdentity = Annotated[Identity, Depends(require_staff)]
