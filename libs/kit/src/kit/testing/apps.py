"""Running a service app in-process for integration tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TypeVar

from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from kit.migrations import upgrade
from kit.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


@asynccontextmanager
async def running_service(
    create_app: Callable[[S], FastAPI], settings: S, service_root: Path
) -> AsyncIterator[FastAPI]:
    """Migrate the settings' database, build the app and run its lifespan around the block."""
    await asyncio.to_thread(upgrade, service_root, settings.database_url)
    app = create_app(settings)
    async with LifespanManager(app):
        yield app
