"""Is every service ready? Ask each one's ``/readyz`` at once."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import aiohttp


async def probe(session: aiohttp.ClientSession, base_url: str, *, timeout_seconds: float) -> str:
    """``ok``, or why the service at ``base_url`` is not ready."""
    try:
        async with session.get(
            base_url + "/readyz", timeout=aiohttp.ClientTimeout(total=timeout_seconds)
        ) as response:
            await response.read()
            return "ok" if response.status == 200 else f"not ready (HTTP {response.status})"
    except TimeoutError:
        return f"no answer within {timeout_seconds:g}s"
    except aiohttp.ClientError as exc:
        return f"unreachable ({type(exc).__name__})"


async def check_services(
    session: aiohttp.ClientSession, services: Mapping[str, str], *, timeout_seconds: float
) -> dict[str, str]:
    """The readiness of each service, by name, probed concurrently."""
    names = list(services)
    results = await asyncio.gather(
        *(probe(session, services[name], timeout_seconds=timeout_seconds) for name in names)
    )
    return dict(zip(names, results, strict=True))
