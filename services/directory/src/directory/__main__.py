"""``maillage-directory migrate|serve|republish``."""

from __future__ import annotations

from collections.abc import Sequence

from directory.actors.snapshot import republish_all
from directory.config import Settings
from directory.main import SERVICE_ROOT, service_spec
from kit.cli import service_main
from kit.db import Database
from kit.service import run_worker_process
from kit.settings import ServiceSettings


async def republish(settings: ServiceSettings) -> None:
    """Queue an event per actor; the running service's relay publishes them."""
    database = Database(settings.database_url)
    try:
        count = await republish_all(database)
    finally:
        await database.dispose()
    print(f"queued {count} actor events; the directory's outbox relay publishes them")


async def worker(settings: ServiceSettings) -> None:
    """Run the import jobs in this process (start the API with RUN_WORKERS=false)."""
    assert isinstance(settings, Settings)
    await run_worker_process(service_spec(settings))


def main(argv: Sequence[str] | None = None) -> None:
    service_main(
        name="directory",
        service_root=SERVICE_ROOT,
        settings_factory=Settings,
        app_path="directory.main:create_app",
        argv=argv,
        extra_commands={
            "republish": ("write an event per actor so consumers can rebuild", republish),
            "worker": ("run the import jobs (beside an API started with run_workers off)", worker),
        },
    )


if __name__ == "__main__":
    main()
