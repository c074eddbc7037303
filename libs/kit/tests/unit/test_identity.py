"""Identity tokens: signed by the gateway, verified by services, refused when not valid."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import jwt
import orjson
import pytest
from fastapi import FastAPI

from kit.identity import (
    ANONYMOUS,
    AuthenticatedIdentity,
    CurrentIdentity,
    Identity,
    IdentityMiddleware,
    IdentitySigner,
    IdentityVerifier,
    Role,
    StaffIdentity,
)
from kit.problems import Unauthenticated, install_problem_handlers

SECRET = "test-secret-of-a-decent-length-0123456789"
ACTOR = uuid.UUID("0b6c1f5e-0000-4000-8000-000000000001")
MEMBER = Identity(subject="key-1", role=Role.MEMBER, actor_ids=(ACTOR,))


def test_a_signed_identity_verifies_to_the_same_identity() -> None:
    partner = Identity(subject="key-2", role=Role.PARTNER, partner="museum-x")
    signer = IdentitySigner(SECRET)
    verifier = IdentityVerifier(SECRET)
    assert verifier.verify(signer.sign(MEMBER)) == MEMBER
    assert verifier.verify(signer.sign(partner)) == partner
    assert verifier.verify(signer.sign(ANONYMOUS)) == ANONYMOUS


def test_the_signer_reuses_a_token_for_half_its_lifetime() -> None:
    signer = IdentitySigner(SECRET, ttl_seconds=60)
    assert signer.sign(MEMBER) == signer.sign(MEMBER)
    assert signer.sign(MEMBER) != signer.sign(ANONYMOUS)


def test_an_expired_token_is_refused() -> None:
    token = IdentitySigner(SECRET, ttl_seconds=-5).sign(MEMBER)
    with pytest.raises(Unauthenticated):
        IdentityVerifier(SECRET).verify(token)


def test_a_tampered_token_is_refused() -> None:
    token = IdentitySigner(SECRET).sign(MEMBER)
    header, payload, signature = token.split(".")
    claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(orjson.dumps(claims)).decode().rstrip("=")
    with pytest.raises(Unauthenticated):
        IdentityVerifier(SECRET).verify(f"{header}.{forged}.{signature}")


def test_a_token_signed_with_another_secret_is_refused() -> None:
    token = IdentitySigner("another-secret-of-a-decent-length-xyz").sign(MEMBER)
    with pytest.raises(Unauthenticated):
        IdentityVerifier(SECRET).verify(token)


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "someone-else", "aud": "maillage-services", "sub": "k", "role": "admin"},
        {"iss": "maillage-gateway", "aud": "elsewhere", "sub": "k", "role": "admin"},
        {"iss": "maillage-gateway", "aud": "maillage-services", "sub": "k"},
        {"iss": "maillage-gateway", "aud": "maillage-services", "sub": "k", "role": "root"},
        {
            "iss": "maillage-gateway",
            "aud": "maillage-services",
            "sub": "k",
            "role": "member",
            "actors": ["not-a-uuid"],
        },
    ],
)
def test_tokens_with_wrong_claims_are_refused(claims: dict[str, object]) -> None:
    now = int(time.time())
    token = jwt.encode({"iat": now, "exp": now + 60, **claims}, SECRET, algorithm="HS256")
    with pytest.raises(Unauthenticated):
        IdentityVerifier(SECRET).verify(token)


def test_an_unsigned_token_is_refused() -> None:
    now = int(time.time())
    claims = {
        "iss": "maillage-gateway",
        "aud": "maillage-services",
        "sub": "k",
        "role": "admin",
        "iat": now,
        "exp": now + 60,
    }
    token = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(Unauthenticated):
        IdentityVerifier(SECRET).verify(token)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c"])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(Unauthenticated):
        IdentityVerifier(SECRET).verify(garbage)


def test_roles_decide_what_an_identity_may_do() -> None:
    other = uuid.uuid4()
    assert MEMBER.acts_for(ACTOR)
    assert not MEMBER.acts_for(other)
    assert Identity(subject="a", role=Role.ANIMATOR).acts_for(other)
    assert not Identity(subject="r", role=Role.READER, actor_ids=(ACTOR,)).acts_for(ACTOR)
    assert ANONYMOUS.is_anonymous
    assert not ANONYMOUS.is_staff


def guarded_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/me")
    async def me(identity: CurrentIdentity) -> dict[str, str]:
        return {"subject": identity.subject, "role": identity.role.value}

    @app.post("/things")
    async def create(identity: AuthenticatedIdentity) -> dict[str, str]:
        return {"by": identity.subject}

    @app.delete("/things")
    async def purge(identity: StaffIdentity) -> dict[str, str]:
        return {"by": identity.subject}

    app.add_middleware(IdentityMiddleware, verifier=IdentityVerifier(SECRET))
    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=guarded_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def as_(identity: Identity, secret: str = SECRET) -> dict[str, str]:
    return {"X-Maillage-Identity": IdentitySigner(secret).sign(identity)}


async def test_health_needs_no_identity(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Maillage-Identity": "nonsense"},
        as_(MEMBER, "wrong-secret-of-a-decent-length-0123456789"),
    ],
)
async def test_calls_without_a_valid_identity_get_a_401_problem(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/unauthenticated")
    assert body["instance"] == "/me"


async def test_the_verified_identity_reaches_the_handler(client: httpx.AsyncClient) -> None:
    response = await client.get("/me", headers=as_(MEMBER))
    assert response.json() == {"subject": "key-1", "role": "member"}


async def test_anonymous_may_read_but_not_write(client: httpx.AsyncClient) -> None:
    assert (await client.get("/me", headers=as_(ANONYMOUS))).status_code == 200
    response = await client.post("/things", headers=as_(ANONYMOUS))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_staff_operations_are_forbidden_to_members(client: httpx.AsyncClient) -> None:
    assert (await client.post("/things", headers=as_(MEMBER))).status_code == 200
    response = await client.delete("/things", headers=as_(MEMBER))
    assert response.status_code == 403
    assert response.json()["type"].endswith("/forbidden")
    admin = Identity(subject="root", role=Role.ADMIN)
    assert (await client.delete("/things", headers=as_(admin))).status_code == 200
