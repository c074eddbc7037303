"""Alembic per service: the shared ``env.py`` logic and the migrate command.

Migrations run only when an operator (or ``make run``, or the test harness) asks: services
never migrate on start-up.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.engine import Connection

from kit.db import create_engine


def alembic_config(service_root: Path, database_url: str) -> Config:
    """The Alembic config of a service whose ``alembic.ini`` sits in ``service_root``."""
    config = Config(str(service_root / "alembic.ini"))
    config.set_main_option("script_location", str(service_root / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(service_root: Path, database_url: str, revision: str = "head") -> None:
    """Apply the service's migrations up to ``revision`` (blocking; call from a thread)."""
    command.upgrade(alembic_config(service_root, database_url), revision)


def _include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    # Tables the models do not declare (FTS5 shadow tables, hand-written objects) are left
    # alone by autogenerate instead of being proposed for dropping.
    return not (type_ == "table" and reflected and compare_to is None)


def run_env(metadata: sa.MetaData, default_url: str) -> None:
    """Body of every service's ``migrations/env.py``."""
    url = context.config.attributes.get("database_url") or default_url
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_object=_include_object,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_engine(url)
        async with engine.connect() as connection:
            await connection.run_sync(migrate)
            await connection.commit()
        await engine.dispose()

    asyncio.run(run())
