"""Waiting for eventually-consistent results with a deadline instead of sleeping."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def wait_until(
    probe: Callable[[], Awaitable[T | None]],
    *,
    within: float = 10.0,
    interval: float = 0.05,
    what: str = "condition",
) -> T:
    """Await ``probe()`` until it returns something truthy, and return it.

    Fails with :class:`AssertionError` (showing the last value seen) once ``within`` seconds pass.
    """
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} not met within {within}s (last value: {value!r})")
        await asyncio.sleep(interval)
