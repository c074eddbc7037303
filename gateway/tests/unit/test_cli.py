from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from cryptography.fernet import Fernet

import gateway.worker
from gateway.__main__ import main
from gateway.config import Settings
from gateway.encryption import new_key, write_key_file


def test_migrate_creates_the_api_key_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "gateway.db"
    monkeypatch.setenv("MAILLAGE_GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{database}")

    main(["migrate"])
    main(["migrate"])  # a second run has nothing left to do

    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"api_keys", "webhook_endpoints", "webhook_deliveries", "webhook_attempts"} <= tables


@pytest.fixture
def migrated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A migrated gateway database and a secrets key file, as ``maillage run`` leaves them."""
    database = tmp_path / "gateway.db"
    monkeypatch.setenv("MAILLAGE_GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.delenv("MAILLAGE_GATEWAY_SECRETS_KEY", raising=False)
    key_file = tmp_path / "gateway-secrets.key"
    write_key_file(key_file, [new_key()])
    monkeypatch.setenv("MAILLAGE_GATEWAY_SECRETS_KEY_FILE", str(key_file))
    main(["migrate"])
    return key_file


def test_worker_runs_the_webhook_worker_with_the_settings(
    monkeypatch: pytest.MonkeyPatch, migrated: Path
) -> None:
    seen: list[Settings] = []

    async def fake_run_worker(settings: Settings) -> None:
        seen.append(settings)

    monkeypatch.setenv("MAILLAGE_NATS_URL", "nats://127.0.0.1:4999")
    monkeypatch.setattr(gateway.worker, "run_worker", fake_run_worker)

    main(["worker"])

    [settings] = seen
    assert settings.common.nats_url == "nats://127.0.0.1:4999"


def test_an_unknown_command_is_refused() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["launch"])

    assert exit_info.value.code == 2


@pytest.mark.parametrize(
    ("trusted", "proxy_headers", "allowed"),
    [
        ("10.0.0.0/8,192.0.2.7", True, "10.0.0.0/8,192.0.2.7"),
        ("", False, None),
        (None, False, None),
    ],
)
def test_serve_believes_x_forwarded_for_from_trusted_proxies_only(
    monkeypatch: pytest.MonkeyPatch,
    trusted: str | None,
    proxy_headers: bool,
    allowed: str | None,
    migrated: Path,
) -> None:
    """Unset (None), nothing is believed: uvicorn's default of 127.0.0.1 let any local
    process choose the address its calls are counted under."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    if trusted is None:
        monkeypatch.delenv("MAILLAGE_GATEWAY_TRUSTED_PROXIES", raising=False)
    else:
        monkeypatch.setenv("MAILLAGE_GATEWAY_TRUSTED_PROXIES", trusted)

    main(["serve", "--port", "9999"])

    (kwargs,) = calls
    assert kwargs["proxy_headers"] is proxy_headers
    assert kwargs["forwarded_allow_ips"] == allowed
    assert kwargs["port"] == 9999


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_serve_and_worker_refuse_to_start_without_the_secrets_key(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    migrated: Path,
    command: str,
) -> None:
    started: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append("serve"))

    async def fake_run_worker(settings: Settings) -> None:
        started.append("worker")

    monkeypatch.setattr(gateway.worker, "run_worker", fake_run_worker)
    migrated.unlink()

    with pytest.raises(SystemExit) as exit_info:
        main([command])

    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "refusing to start: no secrets key" in error
    assert str(migrated) in error
    assert started == []


def test_serve_refuses_a_key_that_does_not_open_the_stored_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], migrated: Path
) -> None:
    database = Path(
        os.environ["MAILLAGE_GATEWAY_DATABASE_URL"].removeprefix("sqlite+aiosqlite:///")
    )
    token = Fernet(migrated.read_text().strip()).encrypt(b"whsec_AAAA").decode()
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO partners (slug, name, secret, created_by, created_at)"
            " VALUES ('p', 'P', ?, 'admin', CURRENT_TIMESTAMP)",
            (token,),
        )
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: started.append(kwargs))

    main(["serve"])  # the right key: it starts
    write_key_file(migrated, [new_key()])  # another key: it does not
    with pytest.raises(SystemExit) as exit_info:
        main(["serve"])

    assert exit_info.value.code == 2
    assert "does not open with the secrets key" in capsys.readouterr().err
    assert len(started) == 1


def test_new_secrets_key_prints_a_fernet_key(capsys: pytest.CaptureFixture[str]) -> None:
    main(["new-secrets-key"])

    Fernet(capsys.readouterr().out.strip())  # raises unless it is one


def test_rotate_secrets_key_replaces_the_key_file(
    capsys: pytest.CaptureFixture[str], migrated: Path
) -> None:
    before = migrated.read_text()

    main(["rotate-secrets-key"])

    assert migrated.read_text() != before
    assert len(migrated.read_text().split()) == 1
    assert stat.S_IMODE(migrated.stat().st_mode) == 0o600
    out = capsys.readouterr().out
    assert "Re-encrypted the secrets of 0 webhook endpoints and 0 partners" in out
    assert "the previous one is no longer needed" in out
