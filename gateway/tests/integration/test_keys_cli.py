"""``maillage keys create|list|revoke`` against a real gateway."""

from __future__ import annotations

import argparse
import io

import httpx

from maillage_cli import keys

from .conftest import ADMIN_KEY, KeyedGateway


async def maillage_keys(gateway_url: str, *argv: str, key: str = ADMIN_KEY) -> tuple[int, str, str]:
    """Run ``maillage keys --api-url <gateway> <argv>``; its exit code, stdout and stderr."""
    parser = argparse.ArgumentParser(prog="maillage")
    keys.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["keys", "--api-url", gateway_url, *argv])
    out, err = io.StringIO(), io.StringIO()
    code = await keys.run(args, key, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


async def test_create_list_and_revoke_from_the_command_line(
    keyed: KeyedGateway, keyed_client: httpx.AsyncClient
) -> None:
    code, out, err = await maillage_keys(
        keyed.url, "create", "Échosciences", "--role", "partner", "--partner", "echosciences"
    )
    assert code == 0, err
    key = out.strip()
    assert key.startswith("mlg_live_")
    assert "cannot be shown again" in err
    key_id = err.split()[1]
    echo = await keyed_client.get("/v1/actors", headers={"authorization": f"Bearer {key}"})
    assert echo.json()["partner"] == "echosciences"

    code, out, _ = await maillage_keys(keyed.url, "list")
    assert code == 0
    line = next(row for row in out.splitlines() if row.startswith(key_id))
    assert "partner for echosciences" in line
    assert "active" in line
    assert line.endswith("Échosciences")
    assert key not in out

    code, _, err = await maillage_keys(keyed.url, "revoke", key_id)
    assert code == 0, err
    refused = await keyed_client.get("/v1/actors", headers={"authorization": f"Bearer {key}"})
    assert refused.status_code == 401
    _, out, _ = await maillage_keys(keyed.url, "list")
    assert "revoked" in next(row for row in out.splitlines() if row.startswith(key_id))


async def test_refusals_are_told_plainly(keyed: KeyedGateway) -> None:
    member_without_actor = await maillage_keys(keyed.url, "create", "M", "--role", "member")
    wrong_key = await maillage_keys(keyed.url, "list", key="not-the-admin-key")
    unknown = await maillage_keys(keyed.url, "revoke", "key_nothing")
    no_key = await maillage_keys(keyed.url, "list", key="")

    assert member_without_actor[0] == 1
    assert "HTTP 422" in member_without_actor[2]
    assert "actor" in member_without_actor[2]
    assert wrong_key[0] == 1
    # The refusal names the API that refused, so a key meant for another stack is obvious.
    assert f"the API at {keyed.url} refused the key (401" in wrong_key[2]
    assert unknown[0] == 1
    assert "HTTP 404" in unknown[2]
    assert no_key[0] == 1
    assert "no admin key" in no_key[2]
