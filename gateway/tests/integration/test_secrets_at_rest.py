"""Webhook endpoint and partner inbox secrets are encrypted at rest under a key that is not in
the database (issue 15, finding 9), on SQLite and PostgreSQL: the raw rows never hold a
secret, signing and verifying still work, the key rotates without a restart of the running
gateway, and the migration encrypts the clear rows of an older database (and back)."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic import command
from cryptography.fernet import Fernet, InvalidToken

from gateway import secrets_key
from gateway.db import GATEWAY_ROOT
from gateway.encryption import Keyring, SecretsKeyError, new_key, write_key_file
from gateway.main import create_app
from gateway.webhooks.tokens import new_secret
from kit.db import Database
from kit.migrations import alembic_config, upgrade
from kit.testing.apps import served
from kit.testing.plugin import BACKENDS, DatabaseFactory

from .conftest import ADMIN_KEY, SECRETS_KEY, KeyedGateway, gateway_settings, migrated_database
from .test_partner_inbox import push_body, signed

ADMIN = {"authorization": f"Bearer {ADMIN_KEY}"}
ENDPOINTS = "/v1/webhooks/endpoints"


async def raw_rows(database_url: str, table: str, key: str, value: str) -> dict[str, Any]:
    """The row as stored: ``secret`` and ``previous_secret`` as the database holds them."""
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            row = (
                await connection.execute(
                    sa.text(f"SELECT secret, previous_secret FROM {table} WHERE {key} = :v"),
                    {"v": value},
                )
            ).one()
        return dict(row._mapping)
    finally:
        await database.dispose()


async def create_endpoint(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post(
        ENDPOINTS,
        json={"url": "https://93.184.215.14/hook", "event_types": ["events.*"]},
        headers=ADMIN,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def create_partner(client: httpx.AsyncClient, slug: str) -> str:
    response = await client.post("/v1/partners", json={"slug": slug, "name": slug}, headers=ADMIN)
    assert response.status_code == 201, response.text
    secret: str = response.json()["secret"]
    return secret


async def test_the_database_holds_no_secret_in_clear(
    keyed: KeyedGateway, keyed_client: httpx.AsyncClient
) -> None:
    """The regression test of finding 9: on the gateway before it, both rows held the
    ``whsec_`` secrets as given."""
    endpoint = await create_endpoint(keyed_client)
    rotated = await keyed_client.post(f"{ENDPOINTS}/{endpoint['id']}/rotate", headers=ADMIN)
    assert rotated.status_code == 200, rotated.text
    slug = f"secretive-{endpoint['id'][-6:].lower()}"
    first = await create_partner(keyed_client, slug)
    again = await keyed_client.post(f"/v1/partners/{slug}/secret/rotate", headers=ADMIN)
    assert again.status_code == 200, again.text

    stored = {
        "endpoint": await raw_rows(keyed.database_url, "webhook_endpoints", "id", endpoint["id"]),
        "partner": await raw_rows(keyed.database_url, "partners", "slug", slug),
    }
    secrets = {
        "endpoint": (rotated.json()["secret"], endpoint["secret"]),
        "partner": (again.json()["secret"], first),
    }
    fernet = Fernet(SECRETS_KEY)
    for name, row in stored.items():
        current, previous = secrets[name]
        for column in ("secret", "previous_secret"):
            assert "whsec_" not in row[column], (name, column)
            assert current not in row[column], (name, column)
            assert previous not in row[column], (name, column)
        # Fernet tokens under the gateway's key, holding the secrets.
        assert fernet.decrypt(row["secret"].encode()).decode() == current, name
        assert fernet.decrypt(row["previous_secret"].encode()).decode() == previous, name


@dataclass
class FileKeyedGateway:
    url: str
    database_url: str
    key_file: Path


@pytest.fixture(params=BACKENDS)
async def file_keyed(
    request: pytest.FixtureRequest, database_factory: DatabaseFactory, tmp_path: Path
) -> AsyncIterator[FileKeyedGateway]:
    """A gateway whose secrets key is in a key file (as ``maillage run`` sets it up)."""
    database_url = await migrated_database(database_factory, request.param)
    key_file = tmp_path / "var" / "gateway-secrets.key"
    write_key_file(key_file, [new_key()])
    settings = gateway_settings(
        database_url=database_url, secrets_key=None, secrets_key_file=key_file
    )
    async with served(create_app(settings), http="httptools") as url:
        yield FileKeyedGateway(url, database_url, key_file)


async def test_rotation_re_encrypts_every_secret_and_the_running_gateway_follows(
    file_keyed: FileKeyedGateway,
) -> None:
    async with httpx.AsyncClient(base_url=file_keyed.url, timeout=10) as client:
        endpoint = await create_endpoint(client)
        inbox_secret = await create_partner(client, "rotating-partner")
        body = push_body("event.upserted", "42", title="Avant")
        before = await client.post(
            "/v1/partners/rotating-partner/inbox", content=body, headers=signed(inbox_secret, body)
        )
        assert before.status_code == 202, before.text
        [old_key] = file_keyed.key_file.read_text().split()

        database = Database(file_keyed.database_url)
        try:
            rotation = await secrets_key.rotate(database, Keyring(file=file_keyed.key_file))
        finally:
            await database.dispose()

        assert (rotation.secrets.endpoints, rotation.secrets.partners) == (1, 1)
        [new] = file_keyed.key_file.read_text().split()
        assert new != old_key
        assert stat.S_IMODE(file_keyed.key_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(file_keyed.key_file.parent.stat().st_mode) & 0o077 == 0
        # Only the new key opens the rows now: the old one is no longer needed.
        for table, key, value in (
            ("webhook_endpoints", "id", endpoint["id"]),
            ("partners", "slug", "rotating-partner"),
        ):
            row = await raw_rows(file_keyed.database_url, table, key, value)
            assert Fernet(new).decrypt(row["secret"].encode()).decode().startswith("whsec_")
            with pytest.raises(InvalidToken):
                Fernet(old_key).decrypt(row["secret"].encode())
        # The running gateway, which read the old key, reads the key file again.
        body = push_body("event.upserted", "42", title="Après")
        after = await client.post(
            "/v1/partners/rotating-partner/inbox", content=body, headers=signed(inbox_secret, body)
        )
        assert after.status_code == 202, after.text
        rotated = await client.post(f"{ENDPOINTS}/{endpoint['id']}/rotate", headers=ADMIN)
        assert rotated.status_code == 200, rotated.text
        row = await raw_rows(file_keyed.database_url, "webhook_endpoints", "id", endpoint["id"])
        assert Fernet(new).decrypt(row["secret"].encode()).decode() == rotated.json()["secret"]


async def test_keys_given_in_the_setting_rotate_to_the_first_one(
    file_keyed: FileKeyedGateway,
) -> None:
    async with httpx.AsyncClient(base_url=file_keyed.url, timeout=10) as client:
        endpoint = await create_endpoint(client)
    [old_key] = file_keyed.key_file.read_text().split()
    new = new_key()
    database = Database(file_keyed.database_url)
    try:
        await secrets_key.rotate(database, Keyring(keys=f"{new},{old_key}"))
        # The new key alone opens everything; the old one alone no longer does.
        assert (await secrets_key.check(database, Keyring(keys=new))).endpoints == 1
        with pytest.raises(SecretsKeyError, match="does not open"):
            await secrets_key.check(database, Keyring(keys=old_key))
    finally:
        await database.dispose()
    row = await raw_rows(file_keyed.database_url, "webhook_endpoints", "id", endpoint["id"])
    assert Fernet(new).decrypt(row["secret"].encode()).decode() == endpoint["secret"]


async def test_a_missing_or_wrong_key_is_said_before_anything_starts(
    file_keyed: FileKeyedGateway, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=file_keyed.url, timeout=10) as client:
        await create_endpoint(client)
    database = Database(file_keyed.database_url)
    try:
        checked = await secrets_key.check(database, Keyring(file=file_keyed.key_file))
        assert checked.endpoints == 1
        with pytest.raises(SecretsKeyError, match=r"no secrets key: .*does not exist"):
            await secrets_key.check(database, Keyring(file=tmp_path / "elsewhere.key"))
        with pytest.raises(SecretsKeyError, match="does not open with the secrets key"):
            await secrets_key.check(database, Keyring(keys=new_key()))
        with pytest.raises(SecretsKeyError, match="not a Fernet key"):
            await secrets_key.check(database, Keyring(keys="not-a-key"))
    finally:
        await database.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_migration_encrypts_clear_secrets_and_the_downgrade_decrypts_them(
    backend: str, database_factory: DatabaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = await database_factory(backend, "gateway_secrets")
    await asyncio.to_thread(upgrade, GATEWAY_ROOT, url, "0006")
    endpoint_secret, partner_secret, previous = new_secret(), new_secret(), new_secret()
    database = Database(url)
    try:
        async with database.transaction() as session:
            await session.execute(
                sa.text(
                    "INSERT INTO webhook_endpoints (id, url, event_types, partner, secret,"
                    " created_by, created_at) VALUES ('whep_old', 'https://93.184.215.14/h',"
                    " '[]', NULL, :secret, 'admin', CURRENT_TIMESTAMP)"
                ),
                {"secret": endpoint_secret},
            )
            await session.execute(
                sa.text(
                    "INSERT INTO partners (slug, name, secret, previous_secret, created_by,"
                    " created_at) VALUES ('old-partner', 'Old', :secret, :previous, 'admin',"
                    " CURRENT_TIMESTAMP)"
                ),
                {"secret": partner_secret, "previous": previous},
            )
    finally:
        await database.dispose()
    # No key, clear rows to encrypt: the migration stops and says why.
    monkeypatch.delenv("MAILLAGE_GATEWAY_SECRETS_KEY", raising=False)
    monkeypatch.setenv("MAILLAGE_GATEWAY_SECRETS_KEY_FILE", "/nonexistent/gateway-secrets.key")
    with pytest.raises(SecretsKeyError, match="no secrets key"):
        await asyncio.to_thread(upgrade, GATEWAY_ROOT, url)
    monkeypatch.setenv("MAILLAGE_GATEWAY_SECRETS_KEY", SECRETS_KEY)

    await asyncio.to_thread(upgrade, GATEWAY_ROOT, url)

    fernet = Fernet(SECRETS_KEY)
    endpoint = await raw_rows(url, "webhook_endpoints", "id", "whep_old")
    partner = await raw_rows(url, "partners", "slug", "old-partner")
    assert "whsec_" not in endpoint["secret"] + partner["secret"] + partner["previous_secret"]
    assert fernet.decrypt(endpoint["secret"].encode()).decode() == endpoint_secret
    assert endpoint["previous_secret"] is None
    assert fernet.decrypt(partner["secret"].encode()).decode() == partner_secret
    assert fernet.decrypt(partner["previous_secret"].encode()).decode() == previous

    await asyncio.to_thread(command.downgrade, alembic_config(GATEWAY_ROOT, url), "0006")

    assert await raw_rows(url, "webhook_endpoints", "id", "whep_old") == {
        "secret": endpoint_secret,
        "previous_secret": None,
    }
    assert await raw_rows(url, "partners", "slug", "old-partner") == {
        "secret": partner_secret,
        "previous_secret": previous,
    }
