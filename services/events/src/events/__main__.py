"""``maillage-events migrate|serve``."""

from __future__ import annotations

from collections.abc import Sequence

from events.config import Settings
from events.main import SERVICE_ROOT
from kit.cli import service_main


def main(argv: Sequence[str] | None = None) -> None:
    service_main(
        name="events",
        service_root=SERVICE_ROOT,
        settings_factory=Settings,
        app_path="events.main:create_app",
        argv=argv,
    )


if __name__ == "__main__":
    main()
