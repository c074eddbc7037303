"""The secrets key's two operations on the database: check it opens every stored secret
(before ``serve`` and ``worker`` start), and rotate it (``rotate-secrets-key``).

What the key is and where it lives: :mod:`gateway.encryption`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified

from gateway.encryption import Keyring, SecretsKeyError, new_key, use_keyring
from gateway.partners import repository as partner_repository
from gateway.partners.models import Partner
from gateway.webhooks import repository as webhook_repository
from gateway.webhooks.models import WebhookEndpoint
from kit.db import Database


@dataclass(frozen=True)
class StoredSecrets:
    endpoints: int
    partners: int


async def check(database: Database, keyring: Keyring) -> StoredSecrets:
    """Open every stored secret with ``keyring``, or raise :class:`SecretsKeyError` saying
    why (no key, a malformed one, the wrong one, a database not migrated): a gateway with the
    wrong key refuses to start instead of failing each delivery later."""
    keyring.load()
    use_keyring(database.engine, keyring)
    try:
        async with database.transaction(write=False) as session:
            return await _open_every_secret(session)
    except sa.exc.DBAPIError as exc:
        msg = (
            f"the stored secrets cannot be read ({type(exc.orig).__name__}: {exc.orig}); "
            f"has `maillage-gateway migrate` run?"
        )
        raise SecretsKeyError(msg) from None


@dataclass(frozen=True)
class Rotation:
    secrets: StoredSecrets
    #: The keys now in the key file (one), or in the setting, whose first key encrypts all.
    keys: tuple[str, ...]


async def rotate(database: Database, keyring: Keyring) -> Rotation:
    """Re-encrypt every stored secret under a new key, in one transaction.

    With a key file: a new key is put first in the file (the old ones stay, so every process
    reads the secrets at every moment: running gateways read the file again when a secret
    does not open), every secret is re-encrypted under it, the database is checked to need
    it alone, and the file is left with the new key only. With keys given in
    ``MAILLAGE_GATEWAY_SECRETS_KEY`` the operator puts the new key first there beforehand;
    every secret moves under it, and the others may then be removed.
    """
    keyring.load()
    if keyring.file is not None:
        keyring.write_file([new_key(), *keyring.keys])
    use_keyring(database.engine, keyring)
    async with database.transaction() as session:
        moved = await _open_every_secret(session, for_update=True, rewrite=True)
    # The proof that the other keys are no longer needed: everything opens without them.
    only_first = keyring.first_only()
    use_keyring(database.engine, only_first)
    try:
        async with database.transaction(write=False) as session:
            await _open_every_secret(session)
    except SecretsKeyError:
        msg = (
            "a secret was written under an older key while the rotation ran (the older keys "
            "are kept, nothing is lost): run the command again"
        )
        raise SecretsKeyError(msg) from None
    finally:
        use_keyring(database.engine, keyring)
    if keyring.file is not None:
        keyring.write_file(only_first.keys)
    return Rotation(secrets=moved, keys=keyring.keys)


async def _open_every_secret(
    session: AsyncSession, *, for_update: bool = False, rewrite: bool = False
) -> StoredSecrets:
    """Load every endpoint and partner (which decrypts their secrets); with ``rewrite``,
    mark their secrets changed so the flush encrypts them again under the first key."""
    endpoints = await webhook_repository.every_endpoint(session, for_update=for_update)
    partners = await partner_repository.every_partner(session, for_update=for_update)
    if rewrite:
        rows: list[WebhookEndpoint | Partner] = [*endpoints, *partners]
        for row in rows:
            flag_modified(row, "secret")
            if row.previous_secret is not None:
                flag_modified(row, "previous_secret")
        await session.flush()
    return StoredSecrets(endpoints=len(endpoints), partners=len(partners))
