"""``maillage-eu-watch migrate|serve|sync|cordis-import FILE``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from eu_watch.config import Settings
from eu_watch.cordis.dump import CordisDump, UnreadableDump
from eu_watch.cordis.service import cordis_service
from eu_watch.main import SERVICE_ROOT
from eu_watch.sources.service import sedia_sync
from kit.cli import service_main
from kit.db import Database
from kit.logs import configure_logging
from kit.models import utcnow
from kit.settings import ServiceSettings


async def sync_now(settings: ServiceSettings) -> None:
    """Run one portal sync in this process and print its report (its events are published
    by the service's relay, which reads the outbox)."""
    assert isinstance(settings, Settings)
    database = Database(settings.database_url)
    try:
        report = await sedia_sync.run(database, settings, trigger="command")
    finally:
        await database.dispose()
    if report is None:
        raise SystemExit("maillage-eu-watch sync: another sync is running; try again later.")
    print(json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False))
    if report.last_outcome == "failed":
        raise SystemExit(1)


CORDIS_IMPORT = "cordis-import"


async def cordis_import(settings: Settings, path: Path) -> int:
    """Read a CORDIS dump and keep the EU projects the network's actors took part in."""
    try:
        dump = CordisDump(path)
    except UnreadableDump as exc:
        print(f"cordis-import: {exc}", file=sys.stderr)
        return 1
    database = Database(settings.database_url)
    try:
        async with database.transaction() as session:
            report = await cordis_service.import_dump(session, dump, now=utcnow())
    except UnreadableDump as exc:
        print(f"cordis-import: {exc}", file=sys.stderr)
        return 1
    finally:
        await database.dispose()
    print(json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False))
    return 0


def cordis_import_main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser(
        prog=f"maillage-eu-watch {CORDIS_IMPORT}",
        description="Import a public CORDIS project dump (the cordis-HORIZONprojects-csv.zip of"
        " the EU open data portal, or a folder with its project.csv and organization.csv):"
        " the EU projects the network's actors took part in, matched by the PIC kept in their"
        " ext_ids or by name and city, shown among the reasons of matches and partners.",
    )
    parser.add_argument("file", type=Path, help="the dump's zip, or its folder")
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging("eu-watch", settings.common.log_level)
    sys.exit(asyncio.run(cordis_import(settings, args.file)))


def main(argv: Sequence[str] | None = None) -> None:
    service_main(
        name="eu-watch",
        service_root=SERVICE_ROOT,
        settings_factory=Settings,
        app_path="eu_watch.main:create_app",
        argv=argv,
        extra_commands={"sync": ("sync the EU Funding & Tenders Portal's calls now", sync_now)},
        # It takes a file: it parses its own arguments, and is listed in --help all the same.
        own_commands={
            CORDIS_IMPORT: (
                "import a CORDIS project dump: the EU projects members took part in",
                cordis_import_main,
            )
        },
    )


if __name__ == "__main__":
    main()
