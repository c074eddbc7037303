from __future__ import annotations

import pytest

from gateway.callers import BOOTSTRAP_ADMIN, CallerRejected, KeyStore, resolver_for
from kit.identity import ANONYMOUS, Identity, Role

ADMIN_KEY = "s3cret-admin-key"


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
async def test_no_credentials_reads_anonymously(method: str) -> None:
    assert await resolver_for(ADMIN_KEY).resolve(method, None) == ANONYMOUS


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_no_credentials_cannot_write(method: str) -> None:
    with pytest.raises(CallerRejected, match="needs an API key"):
        await resolver_for(ADMIN_KEY).resolve(method, None)


@pytest.mark.parametrize("path", ["/v1/events/e1/registrations", "/v1/registrations/tok/cancel"])
async def test_no_credentials_may_register_and_cancel(path: str) -> None:
    assert await resolver_for(ADMIN_KEY).resolve("POST", None, path) == ANONYMOUS


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/v1/events/e1/registrations"),
        ("POST", "/v1/events/e1/registrations/x"),
        ("POST", "/v1/events//registrations"),
        ("POST", "/v1/registrations/a/b/cancel"),
    ],
)
async def test_no_credentials_cannot_write_elsewhere(method: str, path: str) -> None:
    with pytest.raises(CallerRejected):
        await resolver_for(ADMIN_KEY).resolve(method, None, path)


async def test_admin_key_is_the_bootstrap_admin() -> None:
    identity = await resolver_for(ADMIN_KEY).resolve("POST", f"Bearer {ADMIN_KEY}")

    assert identity == BOOTSTRAP_ADMIN
    assert identity.role is Role.ADMIN


async def test_bearer_scheme_is_case_insensitive() -> None:
    assert await resolver_for(ADMIN_KEY).resolve("GET", f"bearer {ADMIN_KEY}") == BOOTSTRAP_ADMIN


@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {ADMIN_KEY}x", "Bearer ", "Bearer", f"Basic {ADMIN_KEY}", ADMIN_KEY, ""],
)
async def test_bad_credentials_are_rejected_even_for_reads(authorization: str) -> None:
    with pytest.raises(CallerRejected):
        await resolver_for(ADMIN_KEY).resolve("GET", authorization)


async def test_without_a_configured_admin_key_no_key_is_valid() -> None:
    with pytest.raises(CallerRejected, match="unknown"):
        await resolver_for(None).resolve("GET", "Bearer anything")


async def test_further_key_stores_are_consulted_in_order() -> None:
    reader = Identity(subject="key-7", role=Role.READER)

    class Keys:
        async def identify(self, key: str) -> Identity | None:
            return reader if key == "reader-key" else None

    store: KeyStore = Keys()
    resolver = resolver_for(ADMIN_KEY)
    resolver.stores = (*resolver.stores, store)

    assert await resolver.resolve("GET", "Bearer reader-key") == reader
    assert await resolver.resolve("GET", f"Bearer {ADMIN_KEY}") == BOOTSTRAP_ADMIN
