"""``maillage-eu-watch migrate|serve``."""

from __future__ import annotations

from collections.abc import Sequence

from eu_watch.config import Settings
from eu_watch.main import SERVICE_ROOT
from kit.cli import service_main


def main(argv: Sequence[str] | None = None) -> None:
    service_main(
        name="eu-watch",
        service_root=SERVICE_ROOT,
        settings_factory=Settings,
        app_path="eu_watch.main:create_app",
        argv=argv,
    )


if __name__ == "__main__":
    main()
