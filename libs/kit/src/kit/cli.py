"""The command line every service shares: ``maillage-<service> migrate|serve``."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

import uvicorn

from kit.logs import configure_logging
from kit.migrations import upgrade
from kit.settings import ServiceSettings


def service_main(
    *,
    name: str,
    service_root: Path,
    settings_factory: Callable[[], ServiceSettings],
    app_path: str,
    argv: Sequence[str] | None = None,
) -> None:
    """Parse ``argv`` and run ``migrate`` (Alembic upgrade) or ``serve`` (uvicorn)."""
    parser = argparse.ArgumentParser(prog=f"maillage-{name}")
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="apply database migrations, then exit")
    migrate.add_argument("--revision", default="head")
    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    args = parser.parse_args(argv)

    settings = settings_factory()
    configure_logging(name, settings.common.log_level)
    if args.command == "migrate":
        upgrade(service_root, settings.database_url, args.revision)
        return
    uvicorn.run(
        app_path,
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_config=None,
        server_header=False,
    )
