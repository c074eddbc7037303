"""Alembic through the kit: the shared env.py and the ``migrate`` command, on both backends."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from kit.cli import service_main
from kit.db import Database
from kit.migrations import upgrade
from kit.settings import ServiceSettings

ENV_PY = """
import sqlalchemy as sa

from kit.migrations import run_env

run_env(sa.MetaData(), "sqlite+aiosqlite:///must-not-be-used.db")
"""

FIRST = """
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "widgets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("widgets")
"""

SECOND = """
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite cannot ALTER a column in place: batch mode copies the table.
    with op.batch_alter_table("widgets") as batch:
        batch.alter_column("name", existing_type=sa.Text, nullable=False)
        batch.add_column(sa.Column("size", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("widgets") as batch:
        batch.drop_column("size")
"""


@pytest.fixture
def service_root(tmp_path: Path) -> Path:
    root = tmp_path / "service"
    versions = root / "migrations" / "versions"
    versions.mkdir(parents=True)
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (root / "migrations" / "env.py").write_text(ENV_PY)
    (versions / "0001_widgets.py").write_text(FIRST)
    (versions / "0002_widget_size.py").write_text(SECOND)
    return root


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def schema_of(url: str) -> tuple[str | None, list[str]]:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            version = (
                await connection.execute(sa.text("SELECT version_num FROM alembic_version"))
            ).scalar()
            columns = await connection.run_sync(
                lambda sync: [c["name"] for c in sa.inspect(sync).get_columns("widgets")]
            )
    finally:
        await database.dispose()
    return version, columns


async def test_upgrade_applies_each_revision_once(service_root: Path, database_url: str) -> None:
    await asyncio.to_thread(upgrade, service_root, database_url, "0001")
    assert await schema_of(database_url) == ("0001", ["id", "name"])

    await asyncio.to_thread(upgrade, service_root, database_url)
    await asyncio.to_thread(upgrade, service_root, database_url)  # already at head: no-op
    assert await schema_of(database_url) == ("0002", ["id", "name", "size"])


async def test_the_migrate_command_uses_the_service_settings(
    service_root: Path, database_url: str, restored_logging: None
) -> None:
    def migrate() -> None:
        service_main(
            name="kit-test",
            service_root=service_root,
            settings_factory=lambda: ServiceSettings(database_url=database_url),
            app_path="unused:app",
            argv=["migrate"],
        )

    await asyncio.to_thread(migrate)
    assert await schema_of(database_url) == ("0002", ["id", "name", "size"])
