"""Fresh databases for tests: a SQLite file or a new PostgreSQL database per request."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    return os.environ.get("MAILLAGE_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL)


async def postgres_reachable() -> str | None:
    """None if PostgreSQL answers at the admin URL, else why not."""
    try:
        connection = await asyncpg.connect(postgres_admin_url(), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"{type(exc).__name__}: {exc}"
    await connection.close()
    return None


async def create_postgres_database(prefix: str) -> str:
    """Create an empty database and return its SQLAlchemy (asyncpg) URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(postgres_admin_url(), timeout=5)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    url = make_url(postgres_admin_url()).set(drivername="postgresql+asyncpg", database=name)
    return url.render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    name = make_url(url).database
    connection = await asyncpg.connect(postgres_admin_url(), timeout=5)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def sqlite_url(directory: Path, prefix: str) -> str:
    return f"sqlite+aiosqlite:///{directory / f'{prefix}_{uuid.uuid4().hex[:8]}.db'}"
