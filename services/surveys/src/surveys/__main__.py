"""``maillage-surveys migrate|serve``."""

from __future__ import annotations

from collections.abc import Sequence

from kit.cli import service_main
from surveys.config import Settings
from surveys.main import SERVICE_ROOT


def main(argv: Sequence[str] | None = None) -> None:
    service_main(
        name="surveys",
        service_root=SERVICE_ROOT,
        settings_factory=Settings,
        app_path="surveys.main:create_app",
        argv=argv,
    )


if __name__ == "__main__":
    main()
