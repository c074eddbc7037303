"""``maillage-gateway serve|worker|migrate|rotate-secrets-key|new-secrets-key``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Sequence

import uvicorn

from gateway import secrets_key
from gateway.config import Settings
from gateway.db import GATEWAY_ROOT
from gateway.encryption import KEY_SETTING, Keyring, SecretsKeyError, new_key
from kit.db import Database
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
    commands.add_parser(
        "rotate-secrets-key",
        help="re-encrypt every stored webhook and partner secret under a new secrets key",
    )
    commands.add_parser("new-secrets-key", help=f"print a new key for {KEY_SETTING}")
    args = parser.parse_args(argv)

    if args.command == "new-secrets-key":
        print(new_key())
        return
    settings = settings_or_exit(Settings, program="maillage-gateway")
    configure_logging("gateway", settings.common.log_level)
    if args.command == "migrate":
        upgrade(GATEWAY_ROOT, settings.database_url, args.revision)
        return
    if args.command == "rotate-secrets-key":
        _rotate_secrets_key(settings)
        return
    # A missing or wrong secrets key stops the process here, not each delivery later.
    _check_secrets_key(settings)
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


def _check_secrets_key(settings: Settings) -> None:
    async def check() -> None:
        database = Database(settings.database_url)
        try:
            await secrets_key.check(database, Keyring.from_settings(settings))
        finally:
            await database.dispose()

    try:
        asyncio.run(check())
    except SecretsKeyError as exc:
        print(f"maillage-gateway: refusing to start: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _rotate_secrets_key(settings: Settings) -> None:
    async def rotate() -> secrets_key.Rotation:
        database = Database(settings.database_url)
        try:
            return await secrets_key.rotate(database, Keyring.from_settings(settings))
        finally:
            await database.dispose()

    keyring = Keyring.from_settings(settings)
    try:
        rotation = asyncio.run(rotate())
    except SecretsKeyError as exc:
        print(f"maillage-gateway: rotate-secrets-key: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    moved = rotation.secrets
    print(
        f"Re-encrypted the secrets of {moved.endpoints} webhook endpoints and "
        f"{moved.partners} partners under the first key of {keyring.source}."
    )
    if keyring.file is not None:
        print(f"{keyring.file} now holds that key alone: the previous one is no longer needed.")
    elif len(rotation.keys) > 1:
        print(f"The other keys of {KEY_SETTING} are no longer needed: remove them.")
    else:
        print(f"To change the key, put a new one first in {KEY_SETTING} and run this again.")


if __name__ == "__main__":
    main()
