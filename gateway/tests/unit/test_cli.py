from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gateway.__main__ import main


def test_migrate_creates_the_api_key_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = tmp_path / "gateway.db"
    monkeypatch.setenv("MAILLAGE_GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{database}")

    main(["migrate"])
    main(["migrate"])  # a second run has nothing left to do

    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "api_keys" in tables


def test_an_unknown_command_is_refused() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["launch"])

    assert exit_info.value.code == 2
