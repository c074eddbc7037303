"""The import worker, run in the directory's lifespan."""

from __future__ import annotations

from directory.imports.service import import_service
from kit.service import Runtime


async def import_worker(runtime: Runtime) -> None:
    import_service.geocoder = runtime.geocoder  # None unless the operator turned BAN on
    await import_service.run_forever(runtime.database)
