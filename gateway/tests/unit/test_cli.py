from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
import uvicorn

import gateway.worker
from gateway.__main__ import main
from gateway.config import Settings


def test_migrate_creates_the_api_key_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "gateway.db"
    monkeypatch.setenv("MAILLAGE_GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{database}")

    main(["migrate"])
    main(["migrate"])  # a second run has nothing left to do

    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"api_keys", "webhook_endpoints", "webhook_deliveries", "webhook_attempts"} <= tables


def test_worker_runs_the_webhook_worker_with_the_settings(
    monkeypatch: pytest.MonkeyPatch,
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
    monkeypatch: pytest.MonkeyPatch, trusted: str | None, proxy_headers: bool, allowed: str | None
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
