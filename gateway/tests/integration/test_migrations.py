"""The gateway's migrations build exactly the schema its models declare, on both backends."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command

from gateway.db import GATEWAY_ROOT
from kit.migrations import alembic_config, upgrade
from kit.testing.plugin import BACKENDS, DatabaseFactory


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migrations_match_models_and_go_down_again(
    backend: str, database_factory: DatabaseFactory
) -> None:
    url = await database_factory(backend, "schema_gateway")
    await asyncio.to_thread(upgrade, GATEWAY_ROOT, url)
    config = alembic_config(GATEWAY_ROOT, url)
    await asyncio.to_thread(command.check, config)  # raises when models and schema differ
    await asyncio.to_thread(command.downgrade, config, "base")
    await asyncio.to_thread(upgrade, GATEWAY_ROOT, url)
