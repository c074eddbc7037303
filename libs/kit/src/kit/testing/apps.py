"""Running a service app in-process for integration tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from kit.migrations import upgrade
from kit.settings import ServiceSettings
from kit.testing.nats import free_port

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


@asynccontextmanager
async def served(app: Any, *, http: str = "auto", port: int | None = None) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on ``port`` (default: a free one) in this event loop;
    yield its base URL."""
    port = port or free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        http=http,
        ws="none",
        lifespan="on",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    deadline = asyncio.get_running_loop().time() + 10
    while not server.started:
        if task.done():
            task.result()
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"uvicorn did not start on port {port}")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
