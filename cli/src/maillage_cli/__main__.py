"""``maillage``: the operator's command line (run, seed, migrate, actors import/export, keys)."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path

import httpx

from kit.mail.smtp import SmtpServer
from maillage_cli import actors, keys, mail, surveys
from maillage_cli.address import refused_key, resolve_api_url, unreachable
from maillage_cli.seed import SeedError, admin_client, already_seeded, mark_seeded, seed
from maillage_cli.stack import GATEWAY, SERVICES, Stack, StackError, StackOptions
from maillage_cli.supervisor import ChildFailed


def _say(line: str) -> None:
    print(line, flush=True)


def _warn(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def banner(stack: Stack) -> str:
    nats = stack.nats_url + (" (own nats-server)" if stack.owns_nats else " (external)")
    rows = [
        ("API", stack.api_url),
        ("API docs", f"{stack.api_url}/docs"),
        ("Admin key", stack.admin_key),
        ("NATS", nats),
        ("Mail", mail_destination(stack)),
        ("Browser origins", stack.cors_origins.replace(",", ", ")),
        ("State", str(stack.var_dir)),
    ]
    rows += [(f"  {name}", endpoint.url) for name, endpoint in stack.endpoints.items()]
    width = max(len(label) for label, _ in rows)
    lines = [f"  {label.ljust(width)}  {value}" for label, value in rows]
    return "\n".join(
        [
            "",
            "Maillage is running.",
            *lines,
            "",
            f'Try: curl -H "Authorization: Bearer {stack.admin_key}" {stack.api_url}/v1/actors',
            "or: .venv/bin/maillage actors export (the CLI finds this stack through var/api-url).",
            "Front-ends served from the browser origins above may call the API (CORS); set",
            "MAILLAGE_GATEWAY_CORS_ORIGINS to change them.",
            "Ctrl-C stops everything.",
            "",
        ]
    )


def mail_destination(stack: Stack) -> str:
    """Where messages go, for the banner (a relay's password never shown)."""
    if stack.mail_sink_port is not None:
        sink = f"local sink on port {stack.mail_sink_port}"
        return f"kept in {stack.mail_dir}/ ({sink}; read with `maillage mail list`)"
    try:
        return f"sent to {SmtpServer.from_url(stack.smtp_url).display} (MAILLAGE_SMTP_URL)"
    except ValueError as exc:
        return f"MAILLAGE_SMTP_URL is not usable: {exc}"


#: Signals closer than this are one Ctrl-C delivered twice, not a second Ctrl-C.
DUPLICATE_SIGNAL_SECONDS = 1.0


async def run_stack(var_dir: Path, *, seed_demo: bool, quiet: bool) -> int:
    stack = Stack(StackOptions(var_dir=var_dir, echo=None if quiet else _say, report=_warn))
    stop = asyncio.Event()

    first_signal_at: list[float] = []

    def on_signal() -> None:
        now = time.monotonic()
        if first_signal_at and now - first_signal_at[0] > DUPLICATE_SIGNAL_SECONDS:
            # A second Ctrl-C while stopping: no more waiting.
            _warn("Killing every process now.")
            stack.supervisor.kill_all()
        elif not first_signal_at:
            first_signal_at.append(now)
        # Within the window it is the same Ctrl-C arriving twice (the terminal signals the
        # whole foreground group, and `uv run` forwards it once more): stop gracefully once.
        stop.set()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)

    starting = asyncio.create_task(stack.start())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if not starting.done():
        _warn("Stopping before start-up finished…")
        starting.cancel()
        await asyncio.gather(starting, return_exceptions=True)
        return 130
    stopping.cancel()
    try:
        starting.result()
    except (StackError, ChildFailed) as exc:
        _warn(f"maillage run: {exc}")
        return 1

    try:
        if seed_demo and not already_seeded(stack.var_dir):
            await load_demo_data(stack, stop)
        if not stop.is_set():
            _say(banner(stack))
            await stop.wait()
    finally:
        _say("Stopping…")
        await stack.stop()
        _say("Stopped.")
    return 0


async def load_demo_data(stack: Stack, stop: asyncio.Event) -> None:
    """Seed once; a failure is told but does not take the running platform down."""

    async def load() -> None:
        _say("Loading demo data…")
        async with admin_client(stack.api_url, stack.admin_key) as client:
            result = await seed(client, report=_say)
        mark_seeded(stack.var_dir, result)
        _say(f"Demo data: {result.summary()}.")

    loading = asyncio.create_task(load())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({loading, stopping}, return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not loading.done():  # Ctrl-C while loading
        loading.cancel()
        await asyncio.gather(loading, return_exceptions=True)
        return
    try:
        loading.result()
    except (SeedError, httpx.HTTPError) as exc:
        _warn(
            f"Demo data could not be loaded: {exc}\n"
            "The platform runs without it; the next start tries again "
            "(or run `maillage seed`)."
        )


async def seed_only(api_url: str, origin: str, admin_key: str) -> int:
    async with admin_client(api_url, admin_key) as client:
        try:
            probe = await client.get("/v1/api-keys", params={"limit": 1})
            refused = refused_key("maillage seed", api_url, probe)
            if refused:
                _warn(refused)
                return 1
            result = await seed(client, report=_say)
        except httpx.HTTPError as exc:
            _warn(unreachable("maillage seed", api_url, origin, exc))
            return 1
        except SeedError as exc:
            _warn(f"maillage seed: {exc}")
            return 1
    _say(f"Demo data: {result.summary()}.")
    return 0


def migrate_all() -> int:
    """Each process's ``migrate``, one after the other in this interpreter.

    One interpreter rather than five saves their start-up (most of the time a migration
    takes on an empty database); each process's own ``maillage-<name> migrate`` does the
    same work and is what operators run one by one (see docker-compose.yml).
    """
    for process in (*SERVICES, GATEWAY):
        (entry_point,) = entry_points(group="console_scripts", name=process.script)
        _say(f"{process.script} migrate")
        entry_point.load()(["migrate"])
    return 0


API_URL_HELP = (
    "default: $MAILLAGE_API_URL, else the address `maillage run` wrote to var/api-url, "
    "else http://127.0.0.1:8000"
)


def _default_admin_key(var_dir: Path) -> str | None:
    given = os.environ.get("MAILLAGE_ADMIN_KEY")
    if given:
        return given
    path = var_dir / "admin-key"
    return path.read_text().strip() if path.exists() else None


async def actors_command(args: argparse.Namespace, key: str | None) -> int:
    try:
        return await _actors_command(args, key)
    except httpx.HTTPError as exc:
        _warn(unreachable(f"maillage actors {args.actors_command}", args.api_url, args.origin, exc))
        return 1
    except actors.KeyRefused as exc:
        _warn(str(exc))
        return 1


async def _actors_command(args: argparse.Namespace, key: str | None) -> int:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with httpx.AsyncClient(base_url=args.api_url, headers=headers, timeout=60) as client:
        if args.actors_command == "import":
            return await actors.import_file(
                client, args.file, for_real=args.for_real, source=args.source
            )
        if args.output:
            with args.output.open("wb") as output:
                return await actors.export_actors(
                    client, file_format=args.format, filters=args.filters, output=output
                )
        return await actors.export_actors(
            client, file_format=args.format, filters=args.filters, output=sys.stdout.buffer
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="maillage", description="Run and operate the Maillage platform."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="run everything on this machine (NATS, migrations, services, gateway, demo data)",
    )
    run.add_argument("--var-dir", type=Path, default=Path("var"), help="state (default: var/)")
    run.add_argument("--no-seed", action="store_true", help="do not load the demo data")
    run.add_argument("--quiet", action="store_true", help="logs only to var/logs/, not here")

    seed_cmd = commands.add_parser("seed", help="load the demo data through the API (idempotent)")
    seed_cmd.add_argument("--api-url", help=API_URL_HELP)
    seed_cmd.add_argument("--admin-key", help="default: $MAILLAGE_ADMIN_KEY or var/admin-key")
    seed_cmd.add_argument("--var-dir", type=Path, default=Path("var"))

    commands.add_parser(
        "migrate",
        help="apply every service's migrations (databases from MAILLAGE_<SVC>_DATABASE_URL)",
    )

    actors_cmd = commands.add_parser("actors", help="import or export the actor directory")
    actors_cmd.add_argument("--api-url", help=API_URL_HELP)
    actors_cmd.add_argument("--key", help="default: $MAILLAGE_ADMIN_KEY or var/admin-key")
    actors_cmd.add_argument("--var-dir", type=Path, default=Path("var"))
    actor_commands = actors_cmd.add_subparsers(dest="actors_command", required=True)
    import_cmd = actor_commands.add_parser(
        "import", help="import a CSV or XLSX file (a dry run unless --for-real)"
    )
    import_cmd.add_argument("file", type=Path)
    import_cmd.add_argument("--for-real", action="store_true", help="write the rows")
    import_cmd.add_argument(
        "--source", default="import", help="namespace of the file's external ids"
    )
    export_cmd = actor_commands.add_parser("export", help="export actors (filters: key=value)")
    export_cmd.add_argument("filters", nargs="*", help="e.g. region=76 type=museum")
    export_cmd.add_argument("--format", choices=["csv", "xlsx", "geojson", "vcf"], default="csv")
    export_cmd.add_argument("--output", "-o", type=Path, help="default: standard output")

    keys.register(commands)
    mail.register(commands)
    surveys.register(commands)

    args = parser.parse_args(argv)
    if args.command in ("seed", "actors", "keys", "surveys"):
        args.api_url, args.origin = resolve_api_url(args.api_url, args.var_dir)
    if args.command == "migrate":
        code = migrate_all()
    elif args.command == "actors":
        key = args.key or _default_admin_key(args.var_dir)
        code = asyncio.run(actors_command(args, key))
    elif args.command == "keys":
        code = asyncio.run(keys.run(args, args.key or _default_admin_key(args.var_dir)))
    elif args.command == "surveys":
        code = asyncio.run(surveys.run(args, args.key or _default_admin_key(args.var_dir)))
    elif args.command == "mail":
        code = mail.run(args)
    elif args.command == "run":
        code = asyncio.run(run_stack(args.var_dir, seed_demo=not args.no_seed, quiet=args.quiet))
    else:
        key = args.admin_key or _default_admin_key(args.var_dir)
        if not key:
            parser.error("no admin key: pass --admin-key or set MAILLAGE_ADMIN_KEY")
        code = asyncio.run(seed_only(args.api_url, args.origin, key))
    sys.exit(code)


if __name__ == "__main__":
    main()
