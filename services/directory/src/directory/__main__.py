"""``maillage-directory migrate|serve``."""

from __future__ import annotations

from collections.abc import Sequence

from directory.config import Settings
from directory.main import SERVICE_ROOT
from kit.cli import service_main


def main(argv: Sequence[str] | None = None) -> None:
    service_main(
        name="directory",
        service_root=SERVICE_ROOT,
        settings_factory=Settings,
        app_path="directory.main:create_app",
        argv=argv,
    )


if __name__ == "__main__":
    main()
