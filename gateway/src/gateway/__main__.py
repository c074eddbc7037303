"""``maillage-gateway serve|migrate``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import Sequence

import uvicorn

from gateway.config import Settings
from gateway.db import GATEWAY_ROOT
from kit.logs import configure_logging
from kit.migrations import upgrade
from kit.settings import settings_or_exit


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="maillage-gateway")
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="apply database migrations, then exit")
    migrate.add_argument("--revision", default="head")
    serve = commands.add_parser("serve", help="serve the public API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    commands.add_parser("worker", help="deliver partner webhooks (consumes NATS)")
    args = parser.parse_args(argv)

    settings = settings_or_exit(Settings, program="maillage-gateway")
    configure_logging("gateway", settings.common.log_level)
    if args.command == "migrate":
        upgrade(GATEWAY_ROOT, settings.database_url, args.revision)
        return
    if args.command == "worker":
        from gateway.worker import run_worker  # noqa: PLC0415 - the API process needs no NATS

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_worker(settings))
        return
    uvicorn.run(
        "gateway.main:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        loop="uvloop",
        http="httptools",
        ws="none",
        access_log=False,
        log_config=None,
        server_header=False,
        # Who the caller is (rate limits by address, X-Forwarded-For sent on to services).
        proxy_headers=bool(settings.trusted_proxies.strip()),
        forwarded_allow_ips=settings.trusted_proxies.strip() or None,
        date_header=True,
        # A service answers in its own time; the gateway's clients keep connections warm.
        timeout_keep_alive=30,
        backlog=4096,
    )


if __name__ == "__main__":
    main()
