"""``maillage-events migrate|serve|openagenda-import``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from collections.abc import Sequence

from contracts.vocabularies import EventKind
from events.config import Settings
from events.main import SERVICE_ROOT
from events.partners.openagenda import openagenda_client
from events.partners.openagenda_import import openagenda_importer
from events.partners.openagenda_mapping import SOURCE
from kit.cli import service_main
from kit.db import Database
from kit.logs import configure_logging
from kit.problems import DomainError

OPENAGENDA_IMPORT = "openagenda-import"


async def openagenda_import(settings: Settings, args: argparse.Namespace) -> int:
    """Run an import of one agenda; the running service's outbox relay publishes what it
    announces."""
    database = Database(settings.database_url)
    try:
        async with openagenda_client(settings) as client:
            summary = await openagenda_importer.run(
                database,
                client,
                agenda_uid=args.agenda,
                trusted=settings.is_trusted(SOURCE),
                triggered_by="cli",
                organizer_id=args.organizer,
                kind=args.kind,
                full=args.full,
            )
    except DomainError as exc:
        print(f"openagenda-import: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        await database.dispose()
    print(summary.model_dump_json(indent=2))
    return 0


def openagenda_import_main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(
        prog=f"maillage-events {OPENAGENDA_IMPORT}",
        description="Import an OpenAgenda agenda's events (only what changed since last run).",
    )
    parser.add_argument("--agenda", required=True, help="the agenda's uid on OpenAgenda")
    parser.add_argument(
        "--organizer",
        type=uuid.UUID,
        help="the actor (id) organizing the agenda's events; required on the first import",
    )
    parser.add_argument("--kind", type=EventKind, help="our kind for its events (default other)")
    parser.add_argument("--full", action="store_true", help="read every event again")
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging("events", settings.common.log_level)
    sys.exit(asyncio.run(openagenda_import(settings, args)))


def main(argv: Sequence[str] | None = None) -> None:
    service_main(
        name="events",
        service_root=SERVICE_ROOT,
        settings_factory=Settings,
        app_path="events.main:create_app",
        argv=argv,
        # It takes its own arguments, and is listed in --help all the same.
        own_commands={
            OPENAGENDA_IMPORT: (
                "import an OpenAgenda agenda's events (only what changed since the last run)",
                openagenda_import_main,
            )
        },
    )


if __name__ == "__main__":
    main()
