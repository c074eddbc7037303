"""The compose PostgreSQL init script, run for real: each service (and the gateway) gets a role
and a database that it alone can reach, and its migrations run under that role (no superuser).

Runs wherever PostgreSQL answers (required when ``CI=true``, like every PostgreSQL test).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from kit.testing.databases import postgres_admin_url, postgres_reachable
from maillage_cli.stack import GATEWAY, SERVICES

PROCESSES = (*SERVICES, GATEWAY)

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "compose-test-" + uuid.uuid4().hex[:8]


async def require_postgres() -> None:
    why = await postgres_reachable()
    if why is None and shutil.which("psql") is None:
        why = "psql is not installed"
    if why is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required when CI=true: {why}")
        pytest.skip(f"PostgreSQL not usable here ({why}); CI=true makes this a failure")


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    await require_postgres()
    chosen = f"mlgtest_{uuid.uuid4().hex[:8]}"
    yield chosen
    admin = await asyncpg.connect(postgres_admin_url(), timeout=5)
    try:
        for process in PROCESSES:
            name = f"{chosen}_{process.env_key.lower()}"
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'DROP ROLE IF EXISTS "{name}"')
    finally:
        await admin.close()


def role_url(prefix: str, process_key: str, database: str | None = None) -> str:
    admin = make_url(postgres_admin_url())
    role = f"{prefix}_{process_key.lower()}"
    host = f"{admin.host}:{admin.port or 5432}"
    return f"postgresql+asyncpg://{role}:{PASSWORD}@{host}/{database or role}"


async def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, argv, env=env, capture_output=True, text=True, timeout=240, check=False
    )


async def test_each_service_migrates_its_own_database_under_its_own_role(prefix: str) -> None:
    admin = make_url(postgres_admin_url())
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILLAGE_")} | {
        "PGHOST": admin.host or "127.0.0.1",
        "PGPORT": str(admin.port or 5432),
        "PGPASSWORD": admin.password or "",
        "POSTGRES_USER": admin.username or "postgres",
        "MAILLAGE_DB_PASSWORD": PASSWORD,
        "MAILLAGE_DB_PREFIX": prefix,
    }
    script = ROOT / "deploy" / "postgres" / "init-databases.sh"
    init = await run(["bash", str(script)], env)
    assert init.returncode == 0, init.stderr

    for process in PROCESSES:
        migrate = await run(
            [str(Path(sys.executable).parent / process.script), "migrate"],
            env | {process.prefix + "DATABASE_URL": role_url(prefix, process.env_key)},
        )
        assert migrate.returncode == 0, f"{process.script} migrate:\n{migrate.stderr[-3000:]}"

    # One service's role cannot even connect to another service's database.
    intruder = role_url(prefix, "DIRECTORY", database=f"{prefix}_events")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await asyncpg.connect(intruder.replace("+asyncpg", ""), timeout=5)
