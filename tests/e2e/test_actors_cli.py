"""``maillage actors import|export`` against the real stack, through the gateway."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import httpx
import pytest

from maillage_cli import actors
from maillage_cli.stack import Stack

pytestmark = pytest.mark.e2e


async def test_import_dry_run_then_for_real_then_export(stack: Stack, tmp_path: Path) -> None:
    tag = "cli" + uuid.uuid4().hex[:6]
    sheet = tmp_path / "acteurs.csv"
    sheet.write_text(
        "nom;code insee;cercle\n"
        f"Carrefour des Sciences {tag};46042;1\n"
        f"Mauvais cercle {tag};46042;9\n",
        encoding="cp1252",
    )
    headers = {"Authorization": f"Bearer {stack.admin_key}"}
    async with httpx.AsyncClient(base_url=stack.api_url, headers=headers, timeout=30) as client:
        out, progress = io.StringIO(), io.StringIO()
        code = await actors.import_file(
            client, sheet, for_real=False, source="cli", out=out, progress=progress
        )
        assert code == 2  # one row fails
        assert "1 would create, 0 would update, 1 failed" in out.getvalue()
        assert "line 3: circle" in out.getvalue()
        assert "100% 2/2 rows" in progress.getvalue()
        assert not (await client.get(f"/v1/actors?q={tag}")).json()["items"]

        out = io.StringIO()
        code = await actors.import_file(
            client, sheet, for_real=True, source="cli", out=out, progress=io.StringIO()
        )
        assert "1 created" in out.getvalue()

        exported = io.BytesIO()
        assert (
            await actors.export_actors(
                client, file_format="csv", filters=[f"q={tag}"], output=exported
            )
            == 0
        )
        lines = exported.getvalue().decode("utf-8-sig").strip().split("\r\n")
        assert len(lines) == 2
        assert f"Carrefour des Sciences {tag}" in lines[1]
