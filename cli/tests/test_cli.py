"""The ``maillage`` command as an operator meets it."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

from maillage_cli.stack import GATEWAY, SERVICES


def maillage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "maillage_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def clean_environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")}


def test_run_says_clearly_when_the_gateway_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = clean_environ() | {"MAILLAGE_GATEWAY_PORT": str(port)}
        result = maillage("run", "--var-dir", str(tmp_path / "var"), env=env)
    assert result.returncode == 1
    assert f"port {port} is already in use" in result.stderr
    assert "MAILLAGE_GATEWAY_PORT" in result.stderr


def test_migrate_creates_every_process_database(tmp_path: Path) -> None:
    env = clean_environ()
    for process in (*SERVICES, GATEWAY):
        env[process.prefix + "DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / process.name}.db"

    result = maillage("migrate", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    for process in (*SERVICES, GATEWAY):
        with sqlite3.connect(tmp_path / f"{process.name}.db") as db:
            tables = {row[0] for row in db.execute("select name from sqlite_master")}
        assert "alembic_version" in tables, process.name
        assert len(tables) > 2, process.name
