"""Every service's migrations build exactly the schema its models declare, on both backends.

Alembic's ``check`` autogenerates against a freshly migrated database: a model changed
without its migration (or a migration that drifted) fails here, and downgrading to base
must work too.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command

from kit.migrations import alembic_config, upgrade
from kit.testing.plugin import BACKENDS, DatabaseFactory

SERVICES = [
    Path(__file__).resolve().parents[1] / "services" / name
    for name in ("directory", "events", "surveys", "eu-watch")
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("service_root", SERVICES, ids=lambda path: path.name)
async def test_migrations_match_models_and_go_down_again(
    service_root: Path, backend: str, database_factory: DatabaseFactory
) -> None:
    url = await database_factory(backend, f"schema_{service_root.name.replace('-', '_')}")
    await asyncio.to_thread(upgrade, service_root, url)
    config = alembic_config(service_root, url)
    await asyncio.to_thread(command.check, config)  # raises when models and schema differ
    await asyncio.to_thread(command.downgrade, config, "base")
    await asyncio.to_thread(upgrade, service_root, url)
