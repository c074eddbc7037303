"""``maillage-directory migrate|serve|republish``."""

from __future__ import annotations

from collections.abc import Sequence

from directory.actors.snapshot import republish_all
from directory.config import Settings
from directory.main import SERVICE_ROOT
from kit.cli import service_main
from kit.db import Database
from kit.settings import ServiceSettings


async def republish(settings: ServiceSettings) -> None:
    """Queue an event per actor; the running service's relay publishes them."""
    database = Database(settings.database_url)
    try:
        count = await republish_all(database)
    finally:
        await database.dispose()
    print(f"queued {count} actor events; the directory's outbox relay publishes them")


def main(argv: Sequence[str] | None = None) -> None:
    service_main(
        name="directory",
        service_root=SERVICE_ROOT,
        settings_factory=Settings,
        app_path="directory.main:create_app",
        argv=argv,
        extra_commands={
            "republish": ("write an event per actor so consumers can rebuild", republish)
        },
    )


if __name__ == "__main__":
    main()
