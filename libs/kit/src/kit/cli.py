"""The command line every service shares: ``maillage-<service> migrate|serve``."""

from __future__ import annotations

import argparse
import asyncio
import sys
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
    own_commands: Mapping[str, tuple[str, Callable[[list[str]], None]]] | None = None,
) -> None:
    """Parse ``argv`` and run ``migrate`` (Alembic upgrade), ``serve`` (uvicorn) or one of
    the service's ``extra_commands`` (name → (help, coroutine taking the settings)) or
    ``own_commands`` (name → (help, function given the arguments after the name), for a
    command with arguments of its own: it parses them, its ``--help`` included). Every
    command is listed with its one-line help in ``--help``."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if own_commands and arguments[:1] and arguments[0] in own_commands:
        own_commands[arguments[0]][1](arguments[1:])
        return
    parser = argparse.ArgumentParser(prog=f"maillage-{name}")
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="apply database migrations, then exit")
    migrate.add_argument("--revision", default="head")
    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    for command, (help_text, _) in (extra_commands or {}).items():
        commands.add_parser(command, help=help_text)
    for command, (help_text, _) in (own_commands or {}).items():
        commands.add_parser(command, help=help_text)  # listed only: run above
    args = parser.parse_args(arguments)

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
