"""The secrets keyring: Fernet under one or more keys, from the setting or a key file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.dialects import sqlite

from gateway.config import Settings
from gateway.encryption import (
    EncryptedSecret,
    Keyring,
    SecretsKeyError,
    new_key,
    write_key_file,
)
from gateway.webhooks.tokens import new_secret


def test_a_secret_is_stored_as_a_token_that_only_the_key_opens() -> None:
    key, secret = new_key(), new_secret()
    keyring = Keyring(keys=key)

    token = keyring.encrypt(secret)

    assert secret not in token
    assert secret.removeprefix("whsec_") not in token
    assert keyring.decrypt(token) == secret
    assert Fernet(key).decrypt(token.encode()).decode() == secret
    with pytest.raises(SecretsKeyError, match="does not open with the secrets key"):
        Keyring(keys=new_key()).decrypt(token)


def test_the_first_key_encrypts_and_every_key_decrypts() -> None:
    old, new = new_key(), new_key()
    under_old = Keyring(keys=old).encrypt("whsec_old")
    both = Keyring(keys=f"{new}, {old}")

    assert both.decrypt(under_old) == "whsec_old"
    assert Fernet(new).decrypt(both.encrypt("whsec_new").encode()) == b"whsec_new"
    assert both.first_only().keys == (new,)


@pytest.mark.parametrize(
    ("keys", "says"),
    [
        ("", "holds no key"),
        (" , ", "holds no key"),
        ("abc", "holds something that is not a Fernet key"),
    ],
)
def test_a_malformed_setting_is_named(keys: str, says: str) -> None:
    keyring = Keyring(keys=keys)
    with pytest.raises(SecretsKeyError, match=f"MAILLAGE_GATEWAY_SECRETS_KEY {says}"):
        keyring.load()


def test_nothing_is_read_before_a_secret_is_needed(tmp_path: Path) -> None:
    keyring = Keyring(file=tmp_path / "missing.key")  # no error yet

    with pytest.raises(SecretsKeyError, match=r"no secrets key: .*missing\.key does not exist"):
        keyring.encrypt("whsec_x")


def test_the_setting_wins_over_the_key_file(tmp_path: Path) -> None:
    key = new_key()
    given = Keyring.from_settings(Settings(secrets_key=key, secrets_key_file=tmp_path / "k"))
    from_file = Keyring.from_settings(Settings(secrets_key_file=tmp_path / "k"))

    assert (given.source, given.keys) == ("MAILLAGE_GATEWAY_SECRETS_KEY", (key,))
    assert from_file.file == tmp_path / "k"


def test_a_key_file_changed_on_disk_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "var" / "gateway-secrets.key"
    old, new = new_key(), new_key()
    write_key_file(path, [old])
    running = Keyring(file=path)
    under_old = running.encrypt("whsec_a")
    # Another process rotates: the new key first, then alone.
    write_key_file(path, [new, old])
    under_new = Keyring(file=path).encrypt("whsec_b")
    write_key_file(path, [new])

    assert running.decrypt(under_new) == "whsec_b"
    assert Fernet(new).decrypt(running.encrypt("whsec_c").encode()) == b"whsec_c"
    with pytest.raises(SecretsKeyError, match="does not open"):
        running.decrypt(under_old)  # re-encrypted by the rotation: nobody needs it now
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["gateway-secrets.key"]


def test_the_column_type_refuses_a_database_without_a_keyring() -> None:
    with pytest.raises(SecretsKeyError, match="no secrets key"):
        EncryptedSecret().process_bind_param("whsec_x", sqlite.dialect())
