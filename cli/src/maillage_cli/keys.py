"""``maillage keys create|list|revoke``: API keys through the gateway's ``/v1/api-keys``.

``create`` prints the key alone on standard output (so ``KEY=$(maillage keys create …)``
works) and everything else on standard error: the key is shown this once and never again.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import IO, Any

import httpx

from maillage_cli.address import api_base, refused_key, unreachable

ROLES = ("admin", "animator", "member", "partner", "reader")


def register(commands: Any) -> None:
    """Add ``keys`` and its subcommands to the ``maillage`` parser's ``commands``."""
    keys = commands.add_parser("keys", help="create, list or revoke API keys (admin key needed)")
    keys.add_argument(
        "--api-url",
        help="default: $MAILLAGE_API_URL, else the address `maillage run` wrote to "
        "var/api-url, else http://127.0.0.1:8000",
    )
    keys.add_argument("--key", help="admin key; default: $MAILLAGE_ADMIN_KEY or var/admin-key")
    keys.add_argument("--var-dir", type=Path, default=Path("var"))
    actions = keys.add_subparsers(dest="keys_command", required=True)
    create = actions.add_parser("create", help="create a key and print it (shown only once)")
    create.add_argument("name")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument(
        "--actor", dest="actor_ids", action="append", default=[], help="member keys (repeat)"
    )
    create.add_argument("--partner", help="partner keys: the partner's name, e.g. echosciences")
    create.add_argument("--expires-at", help="RFC 3339 with an offset, e.g. 2027-01-01T00:00Z")
    create.add_argument("--description")
    actions.add_parser("list", help="list every key (never the secrets)")
    revoke = actions.add_parser("revoke", help="revoke a key by its id (key_…)")
    revoke.add_argument("key_id")


async def run(
    args: argparse.Namespace,
    admin_key: str | None,
    *,
    out: IO[str] = sys.stdout,
    err: IO[str] = sys.stderr,
) -> int:
    """Run ``maillage keys <args.keys_command>``; 0 on success, 1 otherwise."""
    if not admin_key:
        print("maillage keys: no admin key: pass --key or set MAILLAGE_ADMIN_KEY", file=err)
        return 1
    headers = {"Authorization": f"Bearer {admin_key}"}
    async with httpx.AsyncClient(base_url=args.api_url, headers=headers, timeout=30) as client:
        try:
            if args.keys_command == "create":
                return await create_key(client, args, out=out, err=err)
            if args.keys_command == "list":
                return await list_keys(client, out=out, err=err)
            return await revoke_key(client, args.key_id, err=err)
        except httpx.HTTPError as exc:
            origin = getattr(args, "origin", "--api-url")
            print(unreachable("maillage keys", args.api_url, origin, exc), file=err)
            return 1


async def create_key(
    client: httpx.AsyncClient, args: argparse.Namespace, *, out: IO[str], err: IO[str]
) -> int:
    body: dict[str, Any] = {"name": args.name, "role": args.role}
    optional = {
        "actor_ids": args.actor_ids,
        "partner": args.partner,
        "expires_at": args.expires_at,
        "description": args.description,
    }
    body.update({field: value for field, value in optional.items() if value})
    response = await client.post("/v1/api-keys", json=body)
    if response.status_code != 201:
        return _refused("create", response, err)
    created = response.json()
    print(created["key"], file=out)
    print(
        f"Created {created['id']} ({created['role']}{_bindings(created)}). "
        "Store the key now: it cannot be shown again.",
        file=err,
    )
    return 0


async def list_keys(client: httpx.AsyncClient, *, out: IO[str], err: IO[str]) -> int:
    rows: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        params = {"limit": "200"} | ({"after": after} if after else {})
        response = await client.get("/v1/api-keys", params=params)
        if response.status_code != 200:
            return _refused("list", response, err)
        page = response.json()
        rows.extend(page["items"])
        after = page["next"]
        if after is None:
            break
    header = ("id", "role", "status", "hint", "last used", "expires", "name")
    table = [header] + [
        (
            k["id"],
            k["role"] + _bindings(k),
            k["status"],
            k["hint"] + "…",
            _moment(k["last_used_at"]),
            _moment(k["expires_at"]),
            k["name"],
        )
        for k in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip(), file=out)
    return 0


async def revoke_key(client: httpx.AsyncClient, key_id: str, *, err: IO[str]) -> int:
    response = await client.delete(f"/v1/api-keys/{key_id}")
    if response.status_code != 204:
        return _refused("revoke", response, err)
    print(f"Revoked {key_id}.", file=err)
    return 0


def _bindings(key: dict[str, Any]) -> str:
    if key.get("actor_ids"):
        return " of " + ", ".join(key["actor_ids"])
    if key.get("partner"):
        return f" for {key['partner']}"
    return ""


def _moment(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else "-"


def _refused(action: str, response: httpx.Response, err: IO[str]) -> int:
    key_refused = refused_key(f"maillage keys {action}", api_base(response), response)
    if key_refused:
        print(key_refused, file=err)
        return 1
    try:
        problem = response.json()
        detail = problem.get("detail") or problem.get("title")
    except ValueError:
        detail = response.text[:300]
    print(f"maillage keys {action}: HTTP {response.status_code}: {detail}", file=err)
    return 1
