"""Fixtures of the kit's integration tests: a fresh database on each backend."""

from __future__ import annotations

import pytest

from kit.testing.plugin import BACKENDS, DatabaseFactory


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(database_factory: DatabaseFactory, backend: str) -> str:
    return await database_factory(backend, "kit")
