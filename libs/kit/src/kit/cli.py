"""The command line every service shares: ``maillage-<service> migrate|serve``."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any

import uvicorn

from kit.logs import configure_logging
from kit.migrations import upgrade
from kit.settings import ServiceSettings, settings_or_exit


def service_main(
    *,
    name: str,
    service_root: Path,
    settings_factory: Callable[[], ServiceSettings],
    app_path: str,
    argv: Sequence[str] | None = None,
    extra_commands: Mapping[str, tuple[str, Callable[[ServiceSettings], Coroutine[Any, Any, None]]]]
    | None = None,
) -> None:
    """Parse ``argv`` and run ``migrate`` (Alembic upgrade), ``serve`` (uvicorn) or one of
    the service's ``extra_commands`` (name → (help, coroutine taking the settings))."""
    parser = argparse.ArgumentParser(prog=f"maillage-{name}")
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="apply database migrations, then exit")
    migrate.add_argument("--revision", default="head")
    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    for command, (help_text, _) in (extra_commands or {}).items():
        commands.add_parser(command, help=help_text)
    args = parser.parse_args(argv)

    settings = settings_or_exit(settings_factory, program=f"maillage-{name}")
    configure_logging(name, settings.common.log_level)
    if args.command == "migrate":
        upgrade(service_root, settings.database_url, args.revision)
        return
    if extra_commands and args.command in extra_commands:
        asyncio.run(extra_commands[args.command][1](settings))
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
