"""Signing secrets encrypted at rest, with a key that is not in the database.

The gateway must hold webhook endpoint and partner inbox secrets in a usable form (it signs
and verifies HMACs with them), so they cannot be hashed like API keys. They are encrypted
with Fernet (``cryptography``: AES-128-CBC and HMAC-SHA256, authenticated, versioned) under
the *secrets key*, which lives outside the database:

* ``MAILLAGE_GATEWAY_SECRETS_KEY``: one or more Fernet keys, comma-separated, or else
* the key file ``MAILLAGE_GATEWAY_SECRETS_KEY_FILE`` (default ``var/gateway-secrets.key``,
  mode 0600, created by ``maillage run``): one key a line.

The first key encrypts; every key decrypts (MultiFernet), which is what a rotation needs
while stored secrets move from the old key to the new one (``maillage-gateway
rotate-secrets-key``, see :mod:`gateway.secrets_key`). A key file changed on disk (by a
rotation) is read again: running processes follow without a restart.

:class:`EncryptedSecret` is the column type: rows hold Fernet tokens, the ORM hands out the
clear secret. It finds its :class:`Keyring` through the database engine it runs on
(:func:`use_keyring`), so two gateways in one process may hold different keys.
"""

from __future__ import annotations

import base64
import os
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from gateway.config import Settings

KEY_SETTING = "MAILLAGE_GATEWAY_SECRETS_KEY"
KEY_FILE_SETTING = "MAILLAGE_GATEWAY_SECRETS_KEY_FILE"
#: How to make a key, said in every error about a missing or malformed one.
HOW_TO_MAKE_ONE = "`maillage-gateway new-secrets-key` prints a new one"


class SecretsKeyError(Exception):
    """The secrets key is missing, malformed, or does not open the stored secrets."""


def new_key() -> str:
    """A new Fernet key (32 random bytes, url-safe base64)."""
    return Fernet.generate_key().decode()


def parse_keys(text: str, *, where: str) -> list[str]:
    """The keys of ``text`` (comma- or line-separated, ``#`` comments), checked."""
    keys = []
    for line in text.replace(",", "\n").splitlines():
        key = line.split("#", 1)[0].strip()
        if not key:
            continue
        try:
            Fernet(key)
        except ValueError:
            msg = (
                f"{where} holds something that is not a Fernet key (32 bytes in url-safe "
                f"base64, 44 characters); {HOW_TO_MAKE_ONE}"
            )
            raise SecretsKeyError(msg) from None
        keys.append(key)
    if not keys:
        raise SecretsKeyError(f"{where} holds no key; {HOW_TO_MAKE_ONE}")
    return keys


@dataclass(frozen=True)
class _Loaded:
    keys: tuple[str, ...]
    fernet: MultiFernet
    #: The key file's (inode, mtime_ns, size) when read (a rewrite is a rename: a new inode);
    #: None for keys given in the setting.
    stamp: tuple[int, int, int] | None


class Keyring:
    """The secrets key(s), from the setting or from the key file; read on first use.

    Nothing is read when the keyring is made: a gateway that never touches a secret (its
    OpenAPI document built in a test) needs no key. ``maillage-gateway serve`` and ``worker``
    load and check it before they start (:func:`gateway.secrets_key.check`).
    """

    def __init__(self, *, keys: str | None = None, file: Path | None = None) -> None:
        if (keys is None) == (file is None):
            raise ValueError("give the keys or the key file, not both")
        self._given = keys
        self.file = file
        self._loaded: _Loaded | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        if settings.secrets_key is not None and settings.secrets_key.get_secret_value().strip():
            return cls(keys=settings.secrets_key.get_secret_value())
        return cls(file=settings.secrets_key_file)

    @property
    def source(self) -> str:
        """Where the keys come from, as an operator would look for them."""
        return KEY_SETTING if self.file is None else f"the key file {self.file}"

    @property
    def keys(self) -> tuple[str, ...]:
        """Every key, the one that encrypts first."""
        return self._current().keys

    def load(self) -> None:
        """Read the keys now (:class:`SecretsKeyError` if missing or malformed)."""
        self._loaded = self._read()

    def encrypt(self, secret: str) -> str:
        """The Fernet token of ``secret`` under the first key (as the key file says now)."""
        return self._current(fresh=True).fernet.encrypt(secret.encode()).decode()

    def decrypt(self, token: str) -> str:
        """The secret in ``token``, opened with any key (the key file read again once if it
        changed since: a rotation made by another process)."""
        try:
            return self._current().fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            if self.file is not None and self._stamp() != self._current().stamp:
                self._loaded = self._read()
                return self.decrypt(token)
            msg = (
                f"a stored secret does not open with the secrets key from {self.source}: "
                f"it is not the key the secrets were encrypted with"
            )
            raise SecretsKeyError(msg) from None

    def first_only(self) -> Keyring:
        """A keyring holding only the key that encrypts (to prove the others unneeded)."""
        return Keyring(keys=self.keys[0])

    def write_file(self, keys: Sequence[str]) -> None:
        """Replace the key file by ``keys`` (the first encrypts), readable by its owner
        alone; written beside and renamed, so a reader sees the old or the new file."""
        if self.file is None:
            raise SecretsKeyError(f"the keys come from {KEY_SETTING}: there is no file to write")
        write_key_file(self.file, keys)
        self._loaded = self._read()

    def _current(self, *, fresh: bool = False) -> _Loaded:
        loaded = self._loaded
        stale = fresh and loaded is not None and loaded.stamp is not None
        if loaded is None or (stale and self._stamp() != loaded.stamp):
            loaded = self._loaded = self._read()
        return loaded

    def _read(self) -> _Loaded:
        if self.file is None:
            assert self._given is not None
            keys = parse_keys(self._given, where=KEY_SETTING)
            return _Loaded(tuple(keys), MultiFernet([Fernet(k) for k in keys]), None)
        try:
            stamp = self._stamp()
            text = self.file.read_text()
        except FileNotFoundError:
            msg = (
                f"no secrets key: {KEY_SETTING} is not set and the key file {self.file} does "
                f"not exist (`maillage run` creates it; elsewhere set {KEY_SETTING} or "
                f"{KEY_FILE_SETTING}; {HOW_TO_MAKE_ONE})"
            )
            raise SecretsKeyError(msg) from None
        except OSError as exc:
            raise SecretsKeyError(f"the key file {self.file} cannot be read: {exc}") from None
        keys = parse_keys(text, where=f"the key file {self.file}")
        return _Loaded(tuple(keys), MultiFernet([Fernet(k) for k in keys]), stamp)

    def _stamp(self) -> tuple[int, int, int] | None:
        assert self.file is not None
        try:
            status = self.file.stat()
        except FileNotFoundError:
            return None
        return status.st_ino, status.st_mtime_ns, status.st_size


def write_key_file(path: Path, keys: Sequence[str]) -> None:
    """Write ``keys`` one a line to ``path`` (mode 0600), atomically; a folder made for it
    is its owner's alone (0700)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{base64.urlsafe_b64encode(os.urandom(6)).decode()}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write("".join(f"{key}\n" for key in keys))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


# The keyring of each engine, found from the dialect SQLAlchemy hands to the column type.
_keyrings: weakref.WeakKeyDictionary[Dialect, Keyring] = weakref.WeakKeyDictionary()


def use_keyring(engine: AsyncEngine, keyring: Keyring) -> None:
    """Encrypt and decrypt the secrets of ``engine``'s database with ``keyring``."""
    _keyrings[engine.sync_engine.dialect] = keyring


def keyring_of(dialect: Dialect) -> Keyring:
    try:
        return _keyrings[dialect]
    except KeyError:
        msg = "this database has no secrets key (gateway.encryption.use_keyring was not called)"
        raise SecretsKeyError(msg) from None


class EncryptedSecret(sa.TypeDecorator[str]):
    """A secret stored as a Fernet token (text), handed out in clear."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring_of(dialect).encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else keyring_of(dialect).decrypt(value)
