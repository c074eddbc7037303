"""``maillage-eu-watch migrate|serve|sync``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from eu_watch.config import Settings
from eu_watch.main import SERVICE_ROOT
from eu_watch.sources.service import sedia_sync
from kit.cli import service_main
from kit.db import Database
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


def main(argv: Sequence[str] | None = None) -> None:
    service_main(
        name="eu-watch",
        service_root=SERVICE_ROOT,
        settings_factory=Settings,
        app_path="eu_watch.main:create_app",
        argv=argv,
        extra_commands={"sync": ("sync the EU Funding & Tenders Portal's calls now", sync_now)},
    )


if __name__ == "__main__":
    main()
